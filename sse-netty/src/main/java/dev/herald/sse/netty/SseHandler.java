package dev.herald.sse.netty;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.Handshake;
import dev.herald.sse.core.StreamConfig;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * A handler that answers requests for one path with a stream of a {@link Broadcaster}'s events, and passes every
 * other message on.
 *
 * <pre>{@code
 * Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder().assignIds(true).build());
 * SseHandler events = new SseHandler("/events", broadcaster);
 *
 * new ServerBootstrap()
 *     .group(group)
 *     .channel(NioServerSocketChannel.class)
 *     .childHandler(new ChannelInitializer<SocketChannel>() {
 *       protected void initChannel(SocketChannel ch) {
 *         ChannelPipeline p = ch.pipeline();
 *         p.addLast(new HttpServerCodec());
 *         p.addLast(new RequestHeadTimeoutHandler(Duration.ofSeconds(30))); // per connection: see its javadoc
 *         p.addLast(new BadRequestHandler());                                // per connection: see its javadoc
 *         p.addLast(events);
 *         p.addLast(new YourOtherRoutes());
 *       }
 *     })
 *     .bind(8080);
 *
 * broadcaster.broadcast(Data.of("hello, everyone"));
 * }</pre>
 *
 * <p>A request whose path (the URI without its query) equals the handler's path is answered as
 * {@link NettySse#serve(io.netty.channel.ChannelHandlerContext, HttpRequest, Broadcaster, StreamConfig)}
 * describes: {@code GET} streams, {@code HEAD} gets the headers, {@code OPTIONS} {@code 204}, other methods
 * {@code 405}. The handler
 * consumes and releases that request; other requests and their content go to the next handler untouched. It works
 * with or without an {@code HttpObjectAggregator} before it.
 *
 * <p><b>Threading and ownership.</b> The handler is {@link Sharable} and holds no state of its own: add one
 * instance to every connection's pipeline. The application owns the broadcaster and closes it, which ends every
 * stream cleanly.
 */
@Sharable
public final class SseHandler extends ChannelInboundHandlerAdapter {
  private final String path;
  private final Handshake handshake;

  /**
   * Makes a handler that serves a broadcaster on a path, with the {@linkplain StreamConfig#defaults() default
   * settings}.
   *
   * @param path the path to answer, such as {@code /events}
   * @param broadcaster the broadcaster each client subscribes to
   */
  public SseHandler(String path, Broadcaster broadcaster) {
    this(path, broadcaster, StreamConfig.defaults());
  }

  /**
   * Makes a handler that serves a broadcaster on a path.
   *
   * @param path the path to answer, such as {@code /events}
   * @param broadcaster the broadcaster each client subscribes to
   * @param config how the streams are served (close grace, {@code Retry-After})
   * @throws IllegalArgumentException if the path does not start with {@code /}
   */
  public SseHandler(String path, Broadcaster broadcaster, StreamConfig config) {
    requireNonNull(path, "path");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with /: " + path);
    }
    this.path = path;
    this.handshake = Handshake.of(broadcaster, config);
  }

  /**
   * Answers a request for this handler's path; passes anything else on.
   *
   * @param ctx this handler's context
   * @param msg the inbound message
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request && path.equals(new QueryStringDecoder(request.uri()).path())) {
      try {
        NettySse.serve(ctx, request, handshake);
      } finally {
        ReferenceCountUtil.release(msg);
      }
    } else {
      ctx.fireChannelRead(msg);
    }
  }
}
