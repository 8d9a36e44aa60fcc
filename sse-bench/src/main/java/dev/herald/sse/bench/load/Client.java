package dev.herald.sse.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * One SSE client connection: sends {@code GET path} with {@code Accept: text/event-stream}, parses the response
 * incrementally and records each burst event's latency from its embedded {@code nanoTime} to its receipt. A
 * stalled client stops reading once it has its greeting, like a browser tab whose network is stuck.
 *
 * <p>Over HTTP/2 the handler sits on one stream's child channel ({@code Http2MultiplexHandler}): it sends a HEADERS
 * frame and reads HEADERS and DATA frames; a stalled stream stops reading, so its flow-control window fills.
 */
final class Client extends ChannelInboundHandlerAdapter implements SseParser.Listener {
  /** Latencies are recorded in microseconds, up to ten minutes. */
  static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(10);

  private final Run run;
  private final byte[] request; // HTTP/1.1
  private final Http2Headers headers; // HTTP/2, or null
  private final boolean stalled;
  private final Runnable settled;
  private final SseParser parser = new SseParser(this);
  private ChannelHandlerContext ctx;
  private LoopStats loop;
  private boolean connected;
  private boolean done;
  long received;

  Client(Run run, String hostHeader, String path, boolean stalled, Runnable settled, boolean http2, boolean gzip) {
    this.run = run;
    this.settled = settled;
    this.stalled = stalled;
    this.request = ("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nAccept: text/event-stream\r\n"
        + (gzip ? "Accept-Encoding: gzip\r\n" : "") + "Cache-Control: no-cache\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    if (http2) {
      headers = new DefaultHttp2Headers().method("GET").scheme("http").authority(hostHeader).path(path)
          .add("accept", "text/event-stream").add("cache-control", "no-cache");
      if (gzip) {
        headers.add("accept-encoding", "gzip");
      }
    } else {
      headers = null;
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.loop = run.loop();
    ctx.writeAndFlush(headers == null ? Unpooled.wrappedBuffer(request) : new DefaultHttp2HeadersFrame(headers, true));
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof ByteBuf buffer) {
        run.bytes.add(buffer.readableBytes());
        parser.feed(buffer);
      } else if (msg instanceof Http2DataFrame data) {
        run.bytes.add(data.content().readableBytes());
        parser.feed(data.content());
      } else if (msg instanceof Http2HeadersFrame head && !parser.started()) {
        CharSequence status = head.headers().status();
        CharSequence encoding = head.headers().get("content-encoding");
        parser.startBody(status == null ? 0 : Integer.parseInt(status.toString()),
            encoding != null && "gzip".contentEquals(encoding));
      }
    } catch (RuntimeException e) {
      fail("unreadable response: " + e.getMessage());
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void head(int status) {
    if (status != 200) {
      fail("status " + status);
    }
  }

  @Override
  public void connected() {
    if (!connected && !done) {
      connected = true;
      if (stalled) {
        ctx.channel().config().setAutoRead(false);
      }
      run.connected(stalled);
      settled.run();
    }
  }

  @Override
  public void event(long sentNanos) {
    long now = System.nanoTime();
    long micros = Math.max(0, (now - sentNanos) / 1000);
    loop.histogram.recordValue(Math.min(micros, MAX_LATENCY_MICROS));
    loop.lastReceivedNanos = now;
    received++;
    loop.received++;
    run.received.increment();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!connected) {
      fail("closed before the greeting");
    } else if (!done) {
      done = true;
      run.lost(stalled);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!connected) {
      fail(String.valueOf(cause.getMessage()));
    }
    ctx.close();
  }

  private void fail(String reason) {
    if (!done && !connected) {
      done = true;
      run.failed(reason);
      if (ctx != null) {
        ctx.close();
      }
    }
  }

  /** Per event loop: touched only on that loop, read once the loops have stopped. */
  static final class LoopStats {
    final Histogram histogram = new Histogram(MAX_LATENCY_MICROS, 3);
    long received;
    long lastReceivedNanos;
  }
}
