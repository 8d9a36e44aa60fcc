/**
 * A Redis Streams {@link dev.herald.sse.core.spi.Backplane}: several Herald servers share one stream of events.
 */
@NullMarked
package dev.herald.sse.redis;

import org.jspecify.annotations.NullMarked;
