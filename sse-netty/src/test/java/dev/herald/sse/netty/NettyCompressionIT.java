package dev.herald.sse.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.testkit.Probes;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Per-connection compression on Netty, as the README configures it: Netty's {@code HttpContentCompressor} before
 * {@link SseHandler}. Netty's zlib encoder flushes each chunk it compresses ({@code SYNC_FLUSH}), so each event is
 * decodable the moment it is sent: the client here inflates what has arrived after each broadcast and finds that
 * event whole, before the next one is broadcast.
 */
class NettyCompressionIT {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private Broadcaster broadcaster;
  private Channel listener;

  @AfterEach
  void stop() {
    broadcaster.close();
    listener.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    assertThat(LeakRecorder.drain()).as("Netty buffers leaked").isEmpty();
  }

  private int serve() {
    broadcaster = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO)
        .greeting(Data.of("connected")).build());
    SseHandler events = new SseHandler("/events", broadcaster);
    listener = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpContentCompressor(), events);
          }
        })
        .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  @Test
  void aGzipStreamCarriesEachEventDecodableTheMomentItIsSent() throws Exception {
    int port = serve();
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout((int) DEADLINE.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
          + "Accept-Encoding: gzip\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      DataInputStream in = new DataInputStream(socket.getInputStream());
      String head = readHead(in).toLowerCase(Locale.ROOT);
      assertThat(head).startsWith("http/1.1 200").contains("content-encoding: gzip")
          .contains("transfer-encoding: chunked").contains("content-type: text/event-stream");
      GzipReader gzip = new GzipReader(in);

      assertThat(gzip.readUntil("data: connected\n\n")).endsWith("data: connected\n\n");
      Probes.await(DEADLINE, () -> broadcaster.clientCount() == 1, () -> "not subscribed");
      String json = "{\"type\":\"order.updated\",\"status\":\"paid\",\"currency\":\"EUR\"}";
      for (int i = 0; i < 20; i++) {
        broadcaster.broadcast(Data.of(json.replace("paid", "paid-" + i)));
        // The event must decode from what has arrived now, before the next broadcast: nothing held back.
        assertThat(gzip.readUntil("paid-" + i + "\"")).contains("paid-" + i);
      }
      assertThat(gzip.compressed).as("compressed bytes read").isLessThan(gzip.inflatedTotal);
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed in the head: " + head);
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  /** Reads a chunked gzip body chunk by chunk, inflating as it goes. */
  private static final class GzipReader {
    private final DataInputStream in;
    private final Inflater inflater = new Inflater(true);
    private final StringBuilder text = new StringBuilder();
    private int headerLeft = 10; // gzip's fixed header: no optional fields from Netty's encoder
    long compressed;
    long inflatedTotal;

    GzipReader(DataInputStream in) {
      this.in = in;
    }

    /** Reads chunks until the inflated text so far contains {@code marker}; returns that text. */
    String readUntil(String marker) throws IOException, DataFormatException {
      while (text.indexOf(marker) < 0) {
        byte[] chunk = nextChunk();
        compressed += chunk.length;
        int from = Math.min(headerLeft, chunk.length);
        headerLeft -= from;
        inflater.setInput(chunk, from, chunk.length - from);
        byte[] buffer = new byte[8192];
        int n;
        while ((n = inflater.inflate(buffer)) > 0) {
          text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
          inflatedTotal += n;
        }
      }
      return text.toString();
    }

    private byte[] nextChunk() throws IOException {
      String size = readLine();
      int length = Integer.parseInt(size.trim(), 16);
      byte[] chunk = new byte[length];
      in.readFully(chunk);
      readLine(); // the CRLF after the data
      if (length == 0) {
        throw new IOException("the body ended");
      }
      return chunk;
    }

    private String readLine() throws IOException {
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = in.read()) != '\n') {
        if (b < 0) {
          throw new IOException("closed");
        }
        if (b != '\r') {
          line.append((char) b);
        }
      }
      return line.toString();
    }
  }
}
