package dev.herald.sse.netty;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/** Raw HTTP/1.1 bytes in and out of an {@link EmbeddedChannel}. */
final class Wire {
  /** The response headers of every event stream on HTTP/1.1. */
  static final String STREAM_HEADERS = "HTTP/1.1 200 OK\r\n"
      + "content-type: text/event-stream; charset=utf-8\r\n"
      + "cache-control: no-cache\r\n"
      + "x-accel-buffering: no\r\n"
      + "transfer-encoding: chunked\r\n"
      + "\r\n";

  private Wire() {}

  /** Feeds raw request bytes, as a client would send them. */
  static void send(EmbeddedChannel channel, String request) {
    channel.writeInbound(Unpooled.copiedBuffer(request, UTF_8));
  }

  /** A GET for a path with extra header lines, each ending in CRLF. */
  static String get(String path, String... headers) {
    return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + String.join("", headers) + "\r\n";
  }

  /** Runs pending event-loop tasks (drains) and returns every byte written since the last call, releasing them. */
  static String read(EmbeddedChannel channel) {
    channel.runPendingTasks();
    StringBuilder out = new StringBuilder();
    Object msg;
    while ((msg = channel.readOutbound()) != null) {
      ByteBuf buf = (ByteBuf) msg;
      try {
        out.append(buf.toString(UTF_8));
      } finally {
        buf.release();
      }
    }
    return out.toString();
  }

  /** One chunk of a chunked body, as HttpServerCodec frames it. */
  static String chunk(String text) {
    return Integer.toHexString(text.getBytes(UTF_8).length) + "\r\n" + text + "\r\n";
  }

  /** The chunk that ends a chunked body. */
  static final String LAST_CHUNK = "0\r\n\r\n";

  /** The handler after ours: records what is passed on to it ({@code GET /path}, {@code end}), and releases it. */
  static final class Next extends ChannelInboundHandlerAdapter {
    final List<String> seen = new ArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest request) {
        seen.add(request.method() + " " + request.uri());
      } else {
        seen.add(msg instanceof LastHttpContent ? "end" : msg.getClass().getSimpleName());
      }
      ReferenceCountUtil.release(msg);
    }
  }
}
