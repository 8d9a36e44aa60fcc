package dev.herald.sse.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.testkit.LogCapture;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What an HTTP/2 connection's own failures look like in the log: a client that resets its connection (a browser tab
 * killed, a load balancer's health check, a load tool closing with {@code SO_LINGER 0}) is the expected end of a
 * connection, logged at debug, never Netty's warning that an exception "reached the tail of the pipeline". Once a
 * connection turns to HTTP/2, the application's handlers live on its streams, so the connection itself needs a last
 * handler of its own; on HTTP/1.1 the application's handlers see the connection's errors.
 */
class NettyHttp2ConnectionErrorsIT {
  private static final int CONNECTIONS = 5;
  /** The client's preface and an empty SETTINGS frame: all a client must send to speak h2c by prior knowledge. */
  private static final byte[] PREFACE = concat("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
      new byte[] {0, 0, 0, 0x4, 0, 0, 0, 0, 0});

  /** An HTTP/1.1 request that asks to switch to h2c (its settings: an empty SETTINGS payload, base64url). */
  private static final byte[] UPGRADE = ("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: \r\n"
      + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder().build());

  @AfterEach
  void stop() {
    broadcaster.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aClientThatResetsItsHttp2ConnectionIsNoWarning(boolean priorKnowledge) throws Exception {
    CountDownLatch closed = new CountDownLatch(CONNECTIONS);
    SseHandler events = new SseHandler("/events", broadcaster);
    Channel listener = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.closeFuture().addListener(f -> closed.countDown());
            ch.pipeline().addLast(NettyHttp2.cleartext(Http2Options.defaults(), p -> p.addLast(events)));
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
    int port = ((InetSocketAddress) listener.localAddress()).getPort();
    try (LogCapture logs = LogCapture.install()) {
      for (int i = 0; i < CONNECTIONS; i++) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
          socket.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
          OutputStream out = socket.getOutputStream();
          InputStream in = socket.getInputStream();
          if (!priorKnowledge) {
            out.write(UPGRADE);
            out.flush();
            readSwitchingProtocols(in);
          }
          out.write(PREFACE);
          out.flush();
          readServerSettings(in);
          socket.setSoLinger(true, 0); // close with RST: the server's next read fails with "Connection reset"
        }
      }

      assertThat(closed.await(10, TimeUnit.SECONDS)).as("the server closed every reset connection").isTrue();
      assertThat(logs.warnings()).as("warnings logged").isEmpty();
    } finally {
      listener.close().sync();
    }
  }

  /** Reads the {@code 101 Switching Protocols} head that answers {@link #UPGRADE}. */
  private static void readSwitchingProtocols(InputStream in) throws Exception {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      assertThat(b).as("the end of the 101 head").isNotNegative();
      head.append((char) b);
    }
    assertThat(head.toString()).startsWith("HTTP/1.1 101");
  }

  /** Reads the server's first frame, its SETTINGS: the connection speaks HTTP/2 once it has come. */
  private static void readServerSettings(InputStream in) throws Exception {
    byte[] header = in.readNBytes(9);
    assertThat(header).hasSize(9);
    assertThat(header[3]).as("the server's first frame is SETTINGS").isEqualTo((byte) 0x4);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
