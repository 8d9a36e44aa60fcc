package dev.herald.sse.examples;

import dev.herald.sse.examples.ExampleApp.Reply;
import dev.herald.sse.examples.ExampleApp.Route;
import dev.herald.sse.netty.BadRequestHandler;
import dev.herald.sse.netty.NettySse;
import dev.herald.sse.netty.RequestHeadTimeoutHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example on Netty: {@code HttpServerCodec}, a request head timeout, an aggregator for small bodies, and one
 * router.
 */
final class NettyExample implements RunningServer {
  /** How long a connection may wait for its next request, head and body. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final EventLoopGroup group;
  private final Channel server;

  private NettyExample(EventLoopGroup group, Channel server) {
    this.group = group;
    this.server = server;
  }

  static RunningServer start(ExampleApp app, String host, int port) throws InterruptedException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
    try {
      Router router = new Router(app);
      Channel server = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ChannelPipeline p = ch.pipeline();
              p.addLast(new HttpServerCodec());
              // Netty reads requests with no deadline: this one covers a request's head and body together.
              p.addLast(new RequestHeadTimeoutHandler(REQUEST_TIMEOUT));
              // The codec marks malformed requests and passes them on; this answers them (400, 414, 431, 505).
              p.addLast(new BadRequestHandler());
              p.addLast(new HttpObjectAggregator(ExampleApp.MAX_BODY_BYTES));
              p.addLast(router);
            }
          })
          .bind(host, port).sync().channel();
      return new NettyExample(group, server);
    } catch (RuntimeException | InterruptedException e) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
  }

  @Override
  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
  }

  /** Routes every request through the shared {@link ExampleApp}. */
  @io.netty.channel.ChannelHandler.Sharable
  private static final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(Router.class);

    private final ExampleApp app;
    private final RateLimitedLog unexpected = new RateLimitedLog(log, 10, TimeUnit.SECONDS);

    Router(ExampleApp app) {
      this.app = app;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      if (request.decoderResult().isFailure()) {
        // BadRequestHandler answers these before the aggregator; a request marked after it is not served either.
        log.debug("dropping a malformed request: {}", request.decoderResult().cause().toString());
        ctx.close();
        return;
      }
      Route route = app.route(request.method().name(), request.uri());
      switch (route.kind()) {
        case SUBSCRIBE -> NettySse.serve(ctx, request, app.broadcaster());
        case BROADCAST_BODY -> answer(ctx, request, app.broadcastBody(ByteBufUtil.getBytes(request.content())));
        default -> answer(ctx, request, app.answer(route));
      }
    }

    /**
     * Closes a connection that failed. A client that resets or leaves before its request is answered (mid-body,
     * say) is expected and logged at debug level, where Netty would log every one at warn with its stack trace;
     * anything else is a warning, at most one per interval.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof IOException) {
        log.debug("a client connection failed: {}", cause.toString());
      } else {
        unexpected.warn("a connection failed unexpectedly", cause);
      }
      ctx.close();
    }

    /**
     * Writes the reply when the stage has it: at once, or, for a broadcast on a cluster node, when Redis has
     * acknowledged it. The request is released when this returns, so what the reply needs is read now.
     */
    private static void answer(ChannelHandlerContext ctx, FullHttpRequest request, CompletionStage<Reply> reply) {
      boolean head = request.method().equals(HttpMethod.HEAD);
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      reply.whenComplete((r, failure) -> write(ctx, head, keepAlive,
          failure == null ? r : Reply.text(500, "the broadcast failed")));
    }

    private static void write(ChannelHandlerContext ctx, boolean head, boolean keepAlive, Reply reply) {
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.valueOf(reply.status()),
          head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body()));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
      for (Map.Entry<String, String> header : reply.headers().entrySet()) {
        response.headers().set(header.getKey(), header.getValue());
      }
      HttpUtil.setContentLength(response, reply.body().length);
      HttpUtil.setKeepAlive(response, keepAlive);
      var written = ctx.writeAndFlush(response);
      if (!keepAlive) {
        written.addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
