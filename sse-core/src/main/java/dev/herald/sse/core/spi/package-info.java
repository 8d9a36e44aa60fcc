/**
 * The seam for running one broadcaster across several servers: a {@link dev.herald.sse.core.spi.Backplane} carries
 * events between {@code broadcast} and every node's local fan-out.
 */
@NullMarked
package dev.herald.sse.core.spi;

import org.jspecify.annotations.NullMarked;
