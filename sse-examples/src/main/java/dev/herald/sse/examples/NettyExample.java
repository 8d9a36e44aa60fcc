package dev.herald.sse.examples;

import dev.herald.sse.examples.ExampleApp.Reply;
import dev.herald.sse.examples.ExampleApp.Route;
import dev.herald.sse.netty.BadRequestHandler;
import dev.herald.sse.netty.Http2Options;
import dev.herald.sse.netty.NettyHttp2;
import dev.herald.sse.netty.NettySse;
import dev.herald.sse.netty.RequestHeadTimeoutHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.AttributeKey;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example on Netty: HTTP/1.1 and HTTP/2 ({@link NettyHttp2}), a connection limit, a request timeout, refusal
 * of malformed requests, an aggregator for small bodies, and one router.
 */
final class NettyExample implements RunningServer {
  private final ExampleApp app;
  private final EventLoopGroup group;
  private final Channel server;

  private NettyExample(ExampleApp app, EventLoopGroup group, Channel server) {
    this.app = app;
    this.group = group;
    this.server = server;
  }

  static RunningServer start(ExampleApp app, ExampleOptions options, @Nullable TlsMaterial tls)
      throws InterruptedException, GeneralSecurityException, SSLException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
    try {
      Router router = new Router(app);
      ConnectionLimit limit = new ConnectionLimit(options.maxConnections());
      Duration requestTimeout = options.requestTimeout();
      // What follows the HTTP codec: on every HTTP/1.1 connection, and with --tls on every HTTP/2 stream too.
      Consumer<ChannelPipeline> routes = p -> {
        p.addLast(limit);
        // Netty reads requests with no deadline: this one covers a request's head and body together.
        p.addLast(new RequestHeadTimeoutHandler(requestTimeout));
        // The codec marks malformed requests and passes them on; this answers them (400, 414, 431, 505).
        p.addLast(new BadRequestHandler());
        p.addLast(new HttpObjectAggregator(ExampleApp.MAX_BODY_BYTES));
        p.addLast(router);
      };
      ChannelHandler connection;
      if (tls == null) {
        // HTTP/1.1, and HTTP/2 without TLS for a client that starts with its preface or asks with Upgrade: h2c.
        connection = NettyHttp2.cleartext(Http2Options.defaults(), routes);
      } else {
        // HTTPS, and HTTP/2 for browsers by ALPN: every EventSource of a page shares one connection. (The limit
        // then counts HTTP/2 streams, each a request in flight, as it counts HTTP/1.1 connections.)
        SslContext ssl = SslContextBuilder.forServer(tls.keyManagers())
            .applicationProtocolConfig(NettyHttp2.alpn())
            .build();
        connection = NettyHttp2.tls(ssl, Http2Options.defaults(), routes);
      }
      Channel server = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          // Netty's default already, said here because Jetty and Tomcat are set to the same: the OS's somaxconn.
          .option(ChannelOption.SO_BACKLOG, NetUtil.SOMAXCONN)
          .childHandler(connection)
          .bind(options.host(), options.port()).sync().channel();
      return new NettyExample(app, group, server);
    } catch (RuntimeException | InterruptedException | GeneralSecurityException | SSLException e) {
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
    app.close(); // the streams end with their last chunk before the event loops close their connections
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
  }

  /**
   * Refuses connections past the limit: each one's first request gets {@code 503} with {@code Retry-After}, and
   * its connection closes. Streams are capped below the limit by the broadcaster's client limit, so a server full
   * of streams still answers {@code /stats} and broadcasts; this is the last line, before file descriptors run out.
   */
  @io.netty.channel.ChannelHandler.Sharable
  private static final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<Boolean> OVER = AttributeKey.valueOf(ConnectionLimit.class, "over");

    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    ConnectionLimit(int max) {
      this.max = max;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (open.incrementAndGet() > max) {
        ctx.channel().attr(OVER).set(Boolean.TRUE);
      }
      ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      open.decrementAndGet();
      ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (ctx.channel().attr(OVER).get() == null) {
        ctx.fireChannelRead(msg);
        return;
      }
      ReferenceCountUtil.release(msg);
      if (msg instanceof HttpRequest) {
        // Answered when the request has come, not at connect: closing with its bytes unread would reset the
        // connection, and the client could lose the answer.
        Router.write(ctx, false, false, new Reply(503, "text/plain; charset=utf-8",
            "too many connections\n".getBytes(StandardCharsets.UTF_8), Map.of("Retry-After", "5")));
      }
    }
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
        case SUBSCRIBE -> NettySse.serve(ctx, request, app.broadcaster(), app.streamConfig());
        case BROADCAST_BODY, PUBLISH_BODY -> answer(ctx, request,
            app.answer(route, ByteBufUtil.getBytes(request.content()), request.headers().get("Idempotency-Key")));
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
      if (cause instanceof IOException || cause instanceof PrematureChannelClosureException) {
        // A reset, or a connection that closed (or was cut for its deadline) in the middle of a request's body:
        // expected of clients, not worth a warning.
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
