package dev.herald.sse.netty;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Sender;
import dev.herald.sse.core.Handshake;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.netty.internal.NettyResponder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import java.util.function.Consumer;

/**
 * Answers HTTP requests on a Netty pipeline with Server-Sent Events streams, from a {@link Broadcaster} or for a
 * single client: call it from your own handler with the request in hand, or add an {@link SseHandler}.
 *
 * <pre>{@code
 * p.addLast(new HttpServerCodec());
 * p.addLast(new SimpleChannelInboundHandler<HttpRequest>() {
 *   protected void channelRead0(ChannelHandlerContext ctx, HttpRequest request) {
 *     if (request.uri().startsWith("/events")) {
 *       NettySse.serve(ctx, request, broadcaster);
 *     } else if (request.uri().startsWith("/countdown")) {
 *       NettySse.stream(ctx, request, sender -> countDown(sender));
 *     } else {
 *       // your other routes
 *     }
 *   }
 * });
 * }</pre>
 *
 * <p>What a request gets is the {@link Handshake}'s answer, the same on every transport: {@code GET} a stream
 * ({@code 200}, {@code Content-Type: text/event-stream; charset=utf-8}, {@code Cache-Control: no-cache},
 * {@code X-Accel-Buffering: no}, chunked on HTTP/1.1 and never a {@code Content-Length}, flushed at once, then the
 * events, after a replay from its {@code Last-Event-ID}); {@code HEAD} the same headers and no body;
 * {@code OPTIONS} {@code 204} and other methods {@code 405}, both with {@code Allow}; an {@code Accept} that
 * excludes {@code text/event-stream} {@code 406}; a closed broadcaster or one at its client limit {@code 503} (the
 * latter with {@code Retry-After}). A request the codec could not read gets {@code 400} (or {@code 431} for
 * headers over its limit), and the connection closes.
 *
 * <p>The stream ends when the client goes away (seen at once through {@code channelInactive} or a failed write),
 * or when the server ends it ({@link Sender#close()}, {@link Broadcaster#close()}): then the events already queued
 * are written, the response is completed, and the connection is kept alive for the next request if HTTP/1.1
 * allows it, or closed. A client that does not read the end within the {@linkplain StreamConfig.Builder#closeGrace close
 * grace} has its connection closed. A client the engine disconnects (a slow consumer) has its connection
 * closed at once. Requests pipelined behind a stream on the same connection cannot be answered in order, so they
 * are discarded and the connection closes when the stream ends.
 *
 * <p><b>Back-pressure.</b> Events are written while the connection is writable and flushed once per batch; when
 * the connection's outbound buffer passes its high water mark, writing stops until it drains below the low one,
 * and events wait in the client's bounded queue, where the engine's overflow policy applies. The water marks are
 * the channel's own: Netty's default (32 KiB low, 64 KiB high) suits event streams; set others with
 * {@code childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, ...)}.
 *
 * <p><b>Threading and ownership.</b> Call these methods from the handler's {@code channelRead}, with the request in
 * hand. They read what they need from the request at once and neither retain nor release it: the caller releases
 * it (as {@code SimpleChannelInboundHandler} does). Each stream is served by a handler inserted right before the
 * calling handler, on the connection's event loop, and removed when the stream ends on a connection that stays
 * open; the engine never writes from another thread. Any transport works (NIO, epoll, io_uring, KQueue), as
 * long as an {@code HttpServerCodec} (or an HTTP/1.1 request decoder and response encoder) comes first.
 */
public final class NettySse {
  private NettySse() {}

  /**
   * Answers a request with a stream of a broadcaster's events, with the {@linkplain StreamConfig#defaults() default
   * settings}.
   *
   * @param ctx the context of the handler that received the request
   * @param request the request, which the caller still owns and releases
   * @param broadcaster the broadcaster the client subscribes to
   */
  public static void serve(ChannelHandlerContext ctx, HttpRequest request, Broadcaster broadcaster) {
    serve(ctx, request, broadcaster, StreamConfig.defaults());
  }

  /**
   * Answers a request with a stream of a broadcaster's events.
   *
   * @param ctx the context of the handler that received the request
   * @param request the request, which the caller still owns and releases
   * @param broadcaster the broadcaster the client subscribes to
   * @param config how the stream is served (close grace, {@code Retry-After})
   */
  public static void serve(ChannelHandlerContext ctx, HttpRequest request, Broadcaster broadcaster,
      StreamConfig config) {
    serve(ctx, request, Handshake.of(broadcaster, config));
  }

  /**
   * Answers a request with a stream for this client alone, with the {@linkplain StreamConfig#defaults() default
   * settings}.
   *
   * @param ctx the context of the handler that received the request
   * @param request the request, which the caller still owns and releases
   * @param onOpen given the client's sender once the stream is open; see
   *     {@link #stream(ChannelHandlerContext, HttpRequest, StreamConfig, Consumer)}
   */
  public static void stream(ChannelHandlerContext ctx, HttpRequest request, Consumer<? super Sender> onOpen) {
    stream(ctx, request, StreamConfig.defaults(), onOpen);
  }

  /**
   * Answers a request with a stream for this client alone.
   *
   * <p>{@code onOpen} runs on the connection's event loop once the response headers are sent, and only for a
   * request that opens a stream (not for a {@code HEAD} or a refusal). It must not block: keep the sender and send
   * from anywhere, at any time, until it is closed. {@link Sender#lastEventId()} tells where the client wants to
   * resume, and {@link Sender#onClose} tells when it leaves. If {@code onOpen} throws, the stream ends with
   * {@link dev.herald.sse.CloseReason#ERROR}.
   *
   * <pre>{@code
   * NettySse.stream(ctx, request, sender -> {
   *   sender.send(Data.of("hello"));
   *   sender.send(Data.of("goodbye")).thenRun(sender::close);
   * });
   * }</pre>
   *
   * @param ctx the context of the handler that received the request
   * @param request the request, which the caller still owns and releases
   * @param config how the stream is served: its queue limits, heartbeat and close grace
   * @param onOpen given the client's sender once the stream is open
   */
  public static void stream(ChannelHandlerContext ctx, HttpRequest request, StreamConfig config,
      Consumer<? super Sender> onOpen) {
    serve(ctx, request, Handshake.of(config, onOpen));
  }

  /** Answers a request as a handshake decides; the handshake may serve many requests (see {@link SseHandler}). */
  static void serve(ChannelHandlerContext ctx, HttpRequest request, Handshake handshake) {
    requireNonNull(ctx, "ctx");
    requireNonNull(request, "request");
    NettyResponder.serve(ctx, request, requireNonNull(handshake, "handshake"));
  }
}
