/**
 * Serves Server-Sent Events from a Netty HTTP/1.1 pipeline: {@link dev.herald.sse.netty.SseHandler} and
 * {@link dev.herald.sse.netty.NettySse}, with the handlers that guard the pipeline's front.
 */
@NullMarked
package dev.herald.sse.netty;

import org.jspecify.annotations.NullMarked;
