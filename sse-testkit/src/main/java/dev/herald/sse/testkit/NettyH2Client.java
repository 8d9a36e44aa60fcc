package dev.herald.sse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.testkit.parser.EventStreamParser;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/2 client on Netty, by prior knowledge (h2c) or over TLS (h2 by ALPN), for the tests where a client must
 * hold one stream's flow-control window: it opens streams on one connection, and can stop reading one stream (its
 * window is then never given back), reset one ({@code RST_STREAM}), and see the server's {@code GOAWAY} and
 * {@code PING}. Its windows are a browser's: HTTP/2's 64 KiB per stream, and 15 MiB for the connection (as Chromium
 * opens it), so the bytes a stalled stream holds use up its own window, not the one its neighbours share. OkHttp, by
 * contrast, opens 16 MiB for both, so a stream it stops reading can hold the whole connection's window.
 *
 * <p>Needs {@code io.netty:netty-codec-http2} on the test class path (an optional dependency of the test kit).
 *
 * <pre>{@code
 * try (NettyH2Client client = NettyH2Client.connect(port)) {
 *   NettyH2Client.Stream stalled = client.open("/events");
 *   stalled.awaitEvents(1);
 *   stalled.stopReading();
 * }
 * }</pre>
 *
 * <p><b>Threading.</b> The client runs on an event loop of its own; the accessors may be called from any thread and
 * return snapshots. Every wait has a ten-second deadline.
 */
public final class NettyH2Client implements AutoCloseable {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final int CONNECTION_WINDOW = 15 << 20;
  /** No GOAWAY yet. */
  private static final long NONE = -1;

  private final EventLoopGroup group;
  private final Channel connection;
  private final AtomicLong goAway;
  private final AtomicInteger pings;

  private NettyH2Client(EventLoopGroup group, Channel connection, AtomicLong goAway, AtomicInteger pings) {
    this.group = group;
    this.connection = connection;
    this.goAway = goAway;
    this.pings = pings;
  }

  /**
   * Connects to a local port by prior knowledge, on an event loop of its own (so that stopping the server's loops
   * leaves the client reading).
   *
   * @param port the server's port on 127.0.0.1
   * @return the connected client
   */
  public static NettyH2Client connect(int port) {
    return connect(port, null);
  }

  /**
   * Connects to a local port over TLS, trusting this certificate alone and offering {@code h2} alone by ALPN, on an
   * event loop of its own.
   *
   * @param port the server's TLS port on 127.0.0.1
   * @param certificate the certificate the server presents
   * @return the connected client, its TLS handshake done
   * @throws IllegalStateException if the handshake fails or the server does not choose {@code h2}
   */
  public static NettyH2Client connectTls(int port, TestCertificate certificate) {
    try {
      return connect(port, SslContextBuilder.forClient()
          .trustManager(certificate.trustManager())
          .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.FATAL_ALERT, ApplicationProtocolNames.HTTP_2))
          .build());
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static NettyH2Client connect(int port, @Nullable SslContext tls) {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    AtomicLong goAway = new AtomicLong(NONE);
    AtomicInteger pings = new AtomicInteger();
    Channel connection = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (tls != null) {
              ch.pipeline().addLast(tls.newHandler(ch.alloc(), "127.0.0.1", port));
            }
            ch.pipeline().addLast(
                Http2FrameCodecBuilder.forClient().initialSettings(Http2Settings.defaultSettings()).build(),
                new Http2MultiplexHandler(new SimpleChannelInboundHandler<Object>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                    // the server pushes nothing
                  }
                }),
                new SimpleChannelInboundHandler<Http2GoAwayFrame>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, Http2GoAwayFrame frame) {
                    goAway.set(frame.errorCode());
                  }
                },
                new SimpleChannelInboundHandler<Http2PingFrame>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, Http2PingFrame frame) {
                    if (!frame.ack()) {
                      pings.incrementAndGet(); // the codec has answered it already
                    }
                  }
                });
          }
        })
        .connect("127.0.0.1", port).syncUninterruptibly().channel();
    if (tls != null) {
      SslHandler ssl = connection.pipeline().get(SslHandler.class);
      boolean done = ssl.handshakeFuture().awaitUninterruptibly(DEADLINE.toMillis());
      if (!done || !ssl.handshakeFuture().isSuccess()
          || !ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
        connection.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        throw new IllegalStateException("no h2 over TLS: handshake " + (done ? "done" : "not done in " + DEADLINE)
            + ", cause " + ssl.handshakeFuture().cause() + ", protocol " + ssl.applicationProtocol());
      }
    }
    connection.writeAndFlush(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - 65_535)).syncUninterruptibly();
    return new NettyH2Client(group, connection, goAway, pings);
  }

  /**
   * Opens a stream with a {@code GET} for this path, which accepts event streams.
   *
   * @param path the path
   * @return the stream, reading
   */
  public Stream open(String path) {
    Stream stream = new Stream();
    Http2StreamChannel channel = new Http2StreamChannelBootstrap(connection)
        .handler(new ChannelInitializer<Http2StreamChannel>() {
          @Override
          protected void initChannel(Http2StreamChannel ch) {
            ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), stream.reader());
          }
        })
        .open().syncUninterruptibly().getNow();
    stream.channel = channel;
    DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    request.headers().set(HttpHeaderNames.HOST, "127.0.0.1").set(HttpHeaderNames.ACCEPT, "text/event-stream");
    channel.writeAndFlush(request).syncUninterruptibly();
    return stream;
  }

  /**
   * Tells whether the connection is open.
   *
   * @return {@code true} while it is
   */
  public boolean isOpen() {
    return connection.isActive();
  }

  /**
   * Returns the error code of the server's {@code GOAWAY}, if one came.
   *
   * @return the error code ({@code 0} is {@code NO_ERROR}), or {@code -1} if none came
   */
  public long goAway() {
    return goAway.get();
  }

  /**
   * Returns how many {@code PING}s the server sent (each answered at once).
   *
   * @return the count
   */
  public int pings() {
    return pings.get();
  }

  /** Closes the connection and stops the client's event loop. */
  @Override
  public void close() {
    connection.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /**
   * One HTTP/2 stream's response, parsed as an event stream as it arrives.
   *
   * <p><b>Threading.</b> Fed on the client's event loop; the accessors may be called from any thread.
   */
  public static final class Stream {
    private final EventStreamParser parser = new EventStreamParser();
    private volatile int status;
    private volatile boolean ended;
    private volatile Http2StreamChannel channel;

    private Stream() {}

    private SimpleChannelInboundHandler<HttpObject> reader() {
      return new SimpleChannelInboundHandler<>() {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
          if (msg instanceof HttpResponse response) {
            status = response.status().code();
          }
          if (msg instanceof HttpContent content) {
            synchronized (parser) {
              parser.feed(ByteBufUtil.getBytes(content.content()));
            }
          }
          if (msg instanceof LastHttpContent) {
            ended = true; // END_STREAM
          }
        }
      };
    }

    /**
     * Returns the events read so far.
     *
     * @return a snapshot of the dispatched events
     */
    public List<MessageEvent> events() {
      synchronized (parser) {
        return List.copyOf(parser.events());
      }
    }

    /**
     * Waits until at least {@code count} events have arrived, in a response with status 200.
     *
     * @param count how many events
     * @return the events read
     * @throws AssertionError if they do not arrive within ten seconds
     */
    public List<MessageEvent> awaitEvents(int count) {
      Probes.await(DEADLINE, () -> events().size() >= count, () -> "got " + events().size() + " events");
      assertThat(status).as("the stream's status").isEqualTo(200);
      return events();
    }

    /**
     * Waits until the stream ended with {@code END_STREAM}.
     *
     * @throws AssertionError if it does not within ten seconds
     */
    public void awaitEnded() {
      Probes.await(DEADLINE, () -> ended, () -> "the stream did not end; got " + events());
    }

    /**
     * Tells whether the stream is open on the client: neither ended nor reset.
     *
     * @return {@code true} while it is
     */
    public boolean isOpen() {
      return channel.isActive();
    }

    /** Stops reading the stream: what arrives stays unread, so its window is never given back. */
    public void stopReading() {
      channel.config().setAutoRead(false);
    }

    /**
     * Reads the stream again, taking what it held, and gives its window back: on the event loop, so that the
     * {@code WINDOW_UPDATE} the reading writes is flushed at once (a server that waits for it sends nothing that
     * would flush it otherwise).
     */
    public void resumeReading() {
      channel.eventLoop().submit(() -> {
        channel.config().setAutoRead(true);
        channel.parent().flush();
      }).syncUninterruptibly();
    }

    /** Resets the stream: {@code RST_STREAM} with {@code CANCEL}, the connection staying open. */
    public void reset() {
      channel.close().syncUninterruptibly();
    }
  }
}
