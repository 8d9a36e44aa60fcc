package dev.herald.sse.netty;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link RequestHeadTimeoutHandler} on a real server: silent clients are cut, streams are not. */
class RequestHeadTimeoutIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  private EventLoopGroup group;
  private Broadcaster broadcaster;
  private Channel server;
  private int port;

  @BeforeEach
  void start() throws InterruptedException {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    broadcaster = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO).build());
    SseHandler events = new SseHandler("/events", broadcaster);
    server = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new RequestHeadTimeoutHandler(TIMEOUT), events);
          }
        })
        .bind("127.0.0.1", 0)
        .sync()
        .channel();
    port = ((InetSocketAddress) server.localAddress()).getPort();
  }

  @AfterEach
  void stop() {
    broadcaster.close();
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void silentClientIsCutWhileAStreamOpenedBeforeItLivesOn() throws IOException {
    try (Socket streaming = connect(); Socket silent = connect()) {
      streaming.getOutputStream().write(
          "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(US_ASCII));
      assertThat(readUntil(streaming.getInputStream(), "\r\n\r\n")).startsWith("HTTP/1.1 200 OK");

      // Both connections are on one event loop, and the silent one opened second: once it is cut, the timeout
      // of the streaming one would have fired too, had its request not stopped it.
      assertThat(silent.getInputStream().read()).as("end of stream from the server").isEqualTo(-1);

      broadcaster.broadcast(Data.of("still here"));
      assertThat(readUntil(streaming.getInputStream(), "data: still here\n\n\r\n"))
          .isEqualTo(Wire.chunk("data: still here\n\n"));
      assertThat(broadcaster.clientCount()).isEqualTo(1);
    }
  }

  @Test
  void clientThatSendsPartOfAHeadIsCut() throws IOException {
    try (Socket slow = connect()) {
      slow.getOutputStream().write("GET /events HTTP/1.1\r\nHost: loc".getBytes(US_ASCII));

      assertThat(slow.getInputStream().read()).as("end of stream from the server").isEqualTo(-1);
      assertThat(broadcaster.clientCount()).isZero();
    }
  }

  @Test
  void headWhoseBodyNeverComesIsCut() throws IOException {
    try (Socket slow = connect()) {
      slow.getOutputStream().write(
          "POST /other HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n".getBytes(US_ASCII));

      assertThat(slow.getInputStream().read()).as("end of stream from the server").isEqualTo(-1);
    }
  }

  @Test
  void tricklingBodyIsCut() throws IOException {
    try (Socket slow = connect()) {
      OutputStream out = slow.getOutputStream();
      out.write("POST /other HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n".getBytes(US_ASCII));
      // A byte every 100 ms, far more often than the timeout: bounded by the body's length and the deadline.
      long deadline = System.nanoTime() + TIMEOUT.multipliedBy(10).toNanos();
      boolean cut = false;
      for (int i = 0; i < 1000 && !cut && System.nanoTime() < deadline; i++) {
        try {
          out.write('x');
          out.flush();
          slow.setSoTimeout(100);
          cut = slow.getInputStream().read() == -1;
        } catch (SocketTimeoutException e) {
          // still open: send the next byte
        } catch (IOException e) {
          cut = true; // reset: the server closed it while we wrote
        }
      }

      assertThat(cut).as("the connection was closed while its body trickled").isTrue();
    }
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000); // a read deadline, far above the timeout under test
    return socket;
  }

  /** Reads until the bytes read so far end with {@code end}; fails at the socket's read deadline. */
  private static String readUntil(InputStream in, String end) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    while (!bytes.toString(US_ASCII).endsWith(end)) {
      int b;
      try {
        b = in.read();
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no " + end.strip() + " after: " + bytes.toString(US_ASCII), e);
      }
      if (b < 0) {
        throw new AssertionError("the connection ended after: " + bytes.toString(US_ASCII));
      }
      bytes.write(b);
    }
    return bytes.toString(US_ASCII);
  }
}
