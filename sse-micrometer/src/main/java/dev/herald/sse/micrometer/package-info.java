/** Micrometer meters for Herald broadcasters. */
@NullMarked
package dev.herald.sse.micrometer;

import org.jspecify.annotations.NullMarked;
