/**
 * The WebFlux transport's implementation details. Anything here can change at any time; do not use it from outside
 * Herald.
 */
@NullMarked
package dev.herald.sse.webflux.internal;

import org.jspecify.annotations.NullMarked;
