package dev.herald.sse.netty;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the same handlers over HTTP/1.1 and HTTP/2 on one port: each HTTP/2 stream gets a pipeline of its own that
 * speaks Netty's HTTP/1.1 objects, so an {@link SseHandler} (and any handler of yours written for
 * {@code HttpServerCodec}) serves HTTP/2 clients unchanged, one event stream per HTTP/2 stream.
 *
 * <pre>{@code
 * SseHandler events = new SseHandler("/events", broadcaster);
 * new ServerBootstrap()
 *     .group(group)
 *     .channel(NioServerSocketChannel.class)
 *     .childHandler(NettyHttp2.cleartext(Http2Options.defaults(),
 *         pipeline -> pipeline.addLast(events, new YourOtherRoutes())))
 *     .bind(8080);
 * }</pre>
 *
 * <p>{@link #cleartext} speaks HTTP/1.1, and HTTP/2 without TLS ({@code h2c}) to a client that starts with the
 * HTTP/2 preface ("prior knowledge", as {@code curl --http2-prior-knowledge} and gRPC do) or asks with
 * {@code Upgrade: h2c}. {@link #tls} speaks both over TLS, as browsers need, chosen by ALPN: build its
 * {@link SslContext} with {@link #alpn()}. The {@code handlers} callback fills each HTTP/1.1 connection's pipeline
 * (after the {@link HttpServerCodec}) and each HTTP/2 stream's (after the codec that turns its frames into HTTP
 * objects), so it is called once per connection or stream and must add fresh instances of handlers that are not
 * {@code @Sharable}.
 *
 * <p>On HTTP/2 each event stream has the HTTP/2 stream's flow control as its back-pressure: a client that stops
 * reading one stream fills that stream's window, then its Herald queue, and meets its overflow policy, while the
 * other streams of the same connection go on at full speed. A client that resets a stream ({@code RST_STREAM})
 * leaves its broadcaster at once. Closing the connection after the streams ended (see {@code StreamGroup})
 * sends {@code GOAWAY}.
 *
 * <p><b>Threading and ownership.</b> The returned initializers are {@code @Sharable}: set one as the server's child
 * handler. Everything they add runs on the connection's event loop, the HTTP/2 streams' pipelines included.
 */
public final class NettyHttp2 {
  private static final Logger log = LoggerFactory.getLogger(NettyHttp2.class);
  /** The largest request an {@code Upgrade: h2c} may carry; an event stream's has no body. */
  private static final int MAX_UPGRADE_CONTENT = 16 * 1024;

  private NettyHttp2() {}

  /**
   * Returns the ALPN settings that a TLS server's {@link SslContext} needs for {@link #tls}: {@code h2} first,
   * then {@code http/1.1}.
   *
   * <pre>{@code
   * SslContext ssl = SslContextBuilder.forServer(keyManagerFactory)
   *     .applicationProtocolConfig(NettyHttp2.alpn())
   *     .build();
   * }</pre>
   *
   * @return the protocols to offer, in order of preference
   */
  public static ApplicationProtocolConfig alpn() {
    return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);
  }

  /**
   * Makes the child handler of a server that speaks HTTP/1.1 and cleartext HTTP/2 ({@code h2c}, by prior knowledge
   * or by {@code Upgrade}) on one port.
   *
   * @param options the HTTP/2 settings
   * @param handlers adds your handlers to each HTTP/1.1 connection's and each HTTP/2 stream's pipeline
   * @return the initializer to pass to {@code ServerBootstrap.childHandler}
   */
  public static ChannelHandler cleartext(Http2Options options, Consumer<ChannelPipeline> handlers) {
    requireNonNull(options, "options");
    requireNonNull(handlers, "handlers");
    return new Initializer() {
      @Override
      protected void initChannel(Channel ch) {
        HttpServerCodec http1 = new HttpServerCodec();
        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(http1, protocol ->
            AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                ? new Http2ServerUpgradeCodec(frameCodec(options), multiplexer(handlers), ConnectionErrors.INSTANCE)
                : null, MAX_UPGRADE_CONTENT);
        ChannelPipeline pipeline = ch.pipeline();
        pipeline.addLast(new CleartextHttp2ServerUpgradeHandler(http1, upgrade, new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel connection) {
            addHttp2(connection.pipeline(), options, handlers); // the client started with the HTTP/2 preface
          }
        }));
        // The application's handlers are there from the first byte (a request-head deadline must see the head
        // arrive), as HTTP/1.1 handlers; a connection that turns out to speak HTTP/2 drops them.
        Http1Handlers http1Handlers = new Http1Handlers();
        pipeline.addLast(http1Handlers);
        List<String> before = pipeline.names();
        handlers.accept(pipeline);
        for (String name : pipeline.names()) {
          if (!before.contains(name)) {
            http1Handlers.names.add(name);
          }
        }
        addPings(pipeline, options);
      }
    };
  }

  /**
   * Makes the child handler of a TLS server that speaks HTTP/2 or HTTP/1.1, as ALPN decides with each client.
   *
   * @param ssl the server's TLS context, built with {@link #alpn()}
   * @param options the HTTP/2 settings
   * @param handlers adds your handlers to each HTTP/1.1 connection's and each HTTP/2 stream's pipeline
   * @return the initializer to pass to {@code ServerBootstrap.childHandler}
   * @throws IllegalArgumentException if {@code ssl} is a client context, or offers no protocol by ALPN
   */
  public static ChannelHandler tls(SslContext ssl, Http2Options options, Consumer<ChannelPipeline> handlers) {
    requireNonNull(ssl, "ssl");
    requireNonNull(options, "options");
    requireNonNull(handlers, "handlers");
    if (!ssl.isServer() || ssl.applicationProtocolNegotiator().protocols().isEmpty()) {
      throw new IllegalArgumentException("ssl must be a server context built with NettyHttp2.alpn()");
    }
    return new Initializer() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline().addLast(ssl.newHandler(ch.alloc()),
            new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
              @Override
              protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                ChannelPipeline pipeline = ctx.pipeline();
                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                  addHttp2(pipeline, options, handlers);
                  addPings(pipeline, options);
                } else {
                  pipeline.addLast(new HttpServerCodec());
                  handlers.accept(pipeline);
                }
              }
            });
      }
    };
  }

  private static void addHttp2(ChannelPipeline pipeline, Http2Options options, Consumer<ChannelPipeline> handlers) {
    pipeline.addLast(frameCodec(options), multiplexer(handlers), ConnectionErrors.INSTANCE);
  }

  private static Http2FrameCodec frameCodec(Http2Options options) {
    return Http2FrameCodecBuilder.forServer()
        .initialSettings(Http2Settings.defaultSettings()
            .maxConcurrentStreams(options.maxConcurrentStreams())
            .initialWindowSize(options.initialWindowSize()))
        .build();
  }

  private static Http2MultiplexHandler multiplexer(Consumer<ChannelPipeline> handlers) {
    return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
      @Override
      protected void initChannel(Http2StreamChannel stream) {
        stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
        handlers.accept(stream.pipeline());
      }
    });
  }

  /** Pings a connection that wrote nothing for the interval; on HTTP/1.1 the idle event passes by unanswered. */
  private static void addPings(ChannelPipeline pipeline, Http2Options options) {
    long seconds = options.pingInterval().toSeconds();
    if (seconds == 0) {
      return;
    }
    pipeline.addFirst(new IdleStateHandler(0, seconds, 0, TimeUnit.SECONDS) {
      @Override
      protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent event) {
        if (ctx.pipeline().get(Http2FrameCodec.class) != null) {
          ctx.channel().writeAndFlush(new DefaultHttp2PingFrame(System.nanoTime()));
        }
      }
    });
  }

  /**
   * The last handler of an HTTP/2 connection: the application's handlers live on its streams, so the connection's
   * own failures end here. A client that resets its connection is the expected end of one (debug); anything else
   * is logged at warn. Either way the connection closes.
   */
  @ChannelHandler.Sharable
  private static final class ConnectionErrors extends ChannelInboundHandlerAdapter {
    static final ConnectionErrors INSTANCE = new ConnectionErrors();

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof IOException) {
        log.debug("an HTTP/2 connection failed (the client went away): {}", cause.toString());
      } else {
        log.warn("an HTTP/2 connection failed; closing it", cause);
      }
      ctx.close();
    }
  }

  /** A connection's initializer, shared by every connection: it keeps no state of its own. */
  @ChannelHandler.Sharable
  private abstract static class Initializer extends ChannelInitializer<Channel> {}

  /**
   * Removes the application's HTTP/1.1 handlers from a connection that turns to HTTP/2, by prior knowledge or by
   * {@code Upgrade}: from then on its streams have pipelines of their own, with handlers of their own.
   */
  private static final class Http1Handlers extends ChannelInboundHandlerAdapter {
    final List<String> names = new ArrayList<>();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent
          || event instanceof HttpServerUpgradeHandler.UpgradeEvent) {
        ChannelPipeline pipeline = ctx.pipeline();
        for (String name : names) {
          if (pipeline.context(name) != null) {
            pipeline.remove(name);
          }
        }
        pipeline.remove(this);
        log.debug("a connection speaks HTTP/2");
      }
      ctx.fireUserEventTriggered(event);
    }
  }
}
