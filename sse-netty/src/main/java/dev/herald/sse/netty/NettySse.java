package dev.herald.sse.netty;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Sender;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.Channels;
import dev.herald.sse.netty.internal.Exchange;
import dev.herald.sse.spi.SseChannel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

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
 *       NettySse.stream(ctx, request, ChannelConfig.defaults(), sender -> countDown(sender));
 *     } else {
 *       // your other routes
 *     }
 *   }
 * });
 * }</pre>
 *
 * <p>What a request gets:
 *
 * <ul>
 *   <li>{@code GET}: {@code 200} with {@code Content-Type: text/event-stream; charset=utf-8},
 *       {@code Cache-Control: no-cache} and {@code X-Accel-Buffering: no}, chunked on HTTP/1.1 and never a
 *       {@code Content-Length}, flushed at once; then the events. The {@code Last-Event-ID} request header goes to
 *       the engine, which replays what the client missed;
 *   <li>{@code HEAD}: the same headers and no body;
 *   <li>any other method: {@code 405} with {@code Allow: GET, HEAD};
 *   <li>an {@code Accept} header that excludes {@code text/event-stream}: {@code 406};
 *   <li>a broadcaster at its client limit: {@code 503} with {@code Retry-After}; a closed one: {@code 503}.
 * </ul>
 *
 * <p>The stream ends when the client goes away (seen at once through {@code channelInactive} or a failed write),
 * or when the server ends it ({@link Sender#close()}, {@link Broadcaster#close()}): then the events already queued
 * are written, the response is completed, and the connection is kept alive for the next request if HTTP/1.1
 * allows it, or closed. A client that does not read the end within the {@linkplain NettySseConfig#closeGrace()
 * close grace} has its connection closed. A client the engine disconnects (a slow consumer) has its connection
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
   * Answers a request with a stream of a broadcaster's events, with the {@linkplain NettySseConfig#defaults()
   * default settings}.
   *
   * @param ctx the context of the handler that received the request
   * @param request the request, which the caller still owns and releases
   * @param broadcaster the broadcaster the client subscribes to
   */
  public static void serve(ChannelHandlerContext ctx, HttpRequest request, Broadcaster broadcaster) {
    serve(ctx, request, broadcaster, NettySseConfig.defaults());
  }

  /**
   * Answers a request with a stream of a broadcaster's events.
   *
   * @param ctx the context of the handler that received the request
   * @param request the request, which the caller still owns and releases
   * @param broadcaster the broadcaster the client subscribes to
   * @param config the transport's settings
   */
  public static void serve(ChannelHandlerContext ctx, HttpRequest request, Broadcaster broadcaster,
      NettySseConfig config) {
    requireNonNull(ctx, "ctx");
    requireNonNull(request, "request");
    requireNonNull(broadcaster, "broadcaster");
    requireNonNull(config, "config");
    Exchange.serve(ctx, request, new Exchange.Source() {
      @Override
      public boolean isClosed() {
        return broadcaster.isClosed();
      }

      @Override
      public SseChannel open(@Nullable String lastEventId) {
        return broadcaster.subscribe(lastEventId);
      }

      @Override
      public void opened(Sender sender) {}
    }, config);
  }

  /**
   * Answers a request with a stream for this client alone, with the {@linkplain NettySseConfig#defaults() default
   * settings}.
   *
   * @param ctx the context of the handler that received the request
   * @param request the request, which the caller still owns and releases
   * @param channelConfig the limits of the client's queue
   * @param onOpen given the client's sender once the stream is open; see {@link #stream(ChannelHandlerContext,
   *     HttpRequest, ChannelConfig, NettySseConfig, Consumer)}
   */
  public static void stream(ChannelHandlerContext ctx, HttpRequest request, ChannelConfig channelConfig,
      Consumer<Sender> onOpen) {
    stream(ctx, request, channelConfig, NettySseConfig.defaults(), onOpen);
  }

  /**
   * Answers a request with a stream for this client alone.
   *
   * <p>{@code onOpen} runs on the connection's event loop once the response headers are sent, and only for a
   * {@code GET} that opens a stream. It must not block: keep the sender and send from anywhere, at any time, until
   * it is closed. {@link Sender#lastEventId()} tells where the client wants to resume, and
   * {@link Sender#onClose} tells when it leaves. If {@code onOpen} throws, the stream ends with
   * {@link dev.herald.sse.CloseReason#ERROR}.
   *
   * <pre>{@code
   * NettySse.stream(ctx, request, ChannelConfig.defaults(), sender -> {
   *   sender.send(Data.of("hello"));
   *   sender.send(Data.of("goodbye")).thenRun(sender::close);
   * });
   * }</pre>
   *
   * @param ctx the context of the handler that received the request
   * @param request the request, which the caller still owns and releases
   * @param channelConfig the limits of the client's queue
   * @param config the transport's settings
   * @param onOpen given the client's sender once the stream is open
   */
  public static void stream(ChannelHandlerContext ctx, HttpRequest request, ChannelConfig channelConfig,
      NettySseConfig config, Consumer<Sender> onOpen) {
    requireNonNull(ctx, "ctx");
    requireNonNull(request, "request");
    requireNonNull(channelConfig, "channelConfig");
    requireNonNull(config, "config");
    requireNonNull(onOpen, "onOpen");
    Exchange.serve(ctx, request, new Exchange.Source() {
      @Override
      public boolean isClosed() {
        return false;
      }

      @Override
      public SseChannel open(@Nullable String lastEventId) {
        return Channels.open(channelConfig, lastEventId);
      }

      @Override
      public void opened(Sender sender) {
        onOpen.accept(sender);
      }
    }, config);
  }
}
