package dev.herald.sse.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.testkit.ServerSetup;
import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TestCertificate;
import dev.herald.sse.testkit.TestServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * Herald on Netty (NIO) for the test kit's suites: {@link SseHandler} at {@code /events}, {@link NettySse#stream}
 * at {@code /stream}, 404 for anything else. After each test, every leaked buffer fails it (Netty's paranoid leak
 * detector reports to {@link LeakRecorder}).
 */
final class NettyHost implements SseHost {
  private final boolean http2;
  private final @Nullable SslContext tls;

  /** Serves HTTP/1.1 behind {@code HttpServerCodec}, as most Netty applications do. */
  NettyHost() {
    this(false, null);
  }

  private NettyHost(boolean http2, @Nullable SslContext tls) {
    this.http2 = http2;
    this.tls = tls;
  }

  /**
   * Serves through {@link NettyHttp2#cleartext}, which speaks HTTP/1.1 as well as {@code h2c}: the suites' HTTP/1.1
   * clients then check that nothing of HTTP/1.1 is lost by serving both on one port.
   *
   * @return the host
   */
  static NettyHost overHttp2Cleartext() {
    return new NettyHost(true, null);
  }

  /**
   * Serves through {@link NettyHttp2#tls}, h2 and HTTP/1.1 by ALPN, with the test kit's certificate.
   *
   * @return the host
   */
  static NettyHost overHttp2Tls() {
    try {
      return new NettyHost(true, SslContextBuilder.forServer(TestCertificate.get().keyManagers())
          .applicationProtocolConfig(NettyHttp2.alpn()).build());
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public TestServer start(ServerSetup setup) {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    SseHandler events = new SseHandler("/events", setup.broadcaster(), setup.streamConfig());
    StreamRoute stream = new StreamRoute(setup);
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.add(ch);
            if (tls != null) {
              ch.pipeline().addLast(NettyHttp2.tls(tls, Http2Options.defaults(),
                  pipeline -> pipeline.addLast(events, stream, new NotFound())));
            } else if (http2) {
              ch.pipeline().addLast(NettyHttp2.cleartext(Http2Options.defaults(),
                  pipeline -> pipeline.addLast(events, stream, new NotFound())));
            } else {
              ch.pipeline().addLast(new HttpServerCodec(), events, stream, new NotFound());
            }
          }
        });
    if (setup.sendBuffer() > 0) {
      bootstrap.childOption(ChannelOption.SO_SNDBUF, setup.sendBuffer());
    }
    if (setup.smallOutputBuffer()) {
      bootstrap.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1024, 2048));
    }
    Channel listener = bootstrap.bind("127.0.0.1", 0).syncUninterruptibly().channel();
    int port = ((InetSocketAddress) listener.localAddress()).getPort();
    return new TestServer() {
      @Override
      public int port() {
        return port;
      }

      @Override
      public void stop() {
        if (group.isShuttingDown()) {
          return;
        }
        listener.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      }
    };
  }

  @Override
  public void afterEachTest() {
    assertThat(LeakRecorder.installed()).as("the leak check is live").isTrue();
    assertThat(LeakRecorder.drain()).as("Netty buffers leaked").isEmpty();
  }

  /** Streams to each client alone at {@code /stream}, as an application's handler would with its sender. */
  @Sharable
  private static final class StreamRoute extends ChannelInboundHandlerAdapter {
    private final ServerSetup setup;

    StreamRoute(ServerSetup setup) {
      this.setup = setup;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest request && new QueryStringDecoder(request.uri()).path().equals("/stream")) {
        try {
          NettySse.stream(ctx, request, setup.streamConfig(), setup.onStream()::accept);
        } finally {
          ReferenceCountUtil.release(msg);
        }
      } else {
        ctx.fireChannelRead(msg);
      }
    }
  }

  /** Answers anything else with 404 (400 for a request the codec could not read). */
  @Sharable
  private static final class NotFound extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest request) {
        HttpResponseStatus status = request.decoderResult().isFailure()
            ? HttpResponseStatus.BAD_REQUEST : HttpResponseStatus.NOT_FOUND;
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), status,
            Unpooled.EMPTY_BUFFER);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      }
      ReferenceCountUtil.release(msg);
    }
  }
}
