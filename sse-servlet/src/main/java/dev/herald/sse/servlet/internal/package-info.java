/**
 * The servlet transport's implementation details. Anything here can change at any time; do not use it from
 * outside Herald.
 */
@NullMarked
package dev.herald.sse.servlet.internal;

import org.jspecify.annotations.NullMarked;
