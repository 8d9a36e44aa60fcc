package dev.herald.sse.testkit;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.herald.sse.CloseReason;
import dev.herald.sse.core.Handshake;
import dev.herald.sse.core.SseRequest;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * A whole Herald transport in one small class: serves event streams on the JDK's own
 * {@code com.sun.net.httpserver.HttpServer}, as the README's "Writing a transport" shows. The handshake decides
 * every answer; this class only moves bytes.
 *
 * <p>The JDK server's response body is a blocking stream, so each open stream holds one of the server's executor
 * threads while it lasts (give the server a cached pool). That is fine for teaching and testing, and is why the real
 * transports are non-blocking: a thread per client does not scale to many thousands of idle streams.
 */
final class JdkHttpServerSse implements HttpHandler {
  private final Handshake handshake;

  JdkHttpServerSse(Handshake handshake) {
    this.handshake = requireNonNull(handshake, "handshake");
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    Handshake.Answer answer = handshake.answer(new SseRequest() {
      @Override
      public String method() {
        return exchange.getRequestMethod();
      }

      @Override
      public List<String> headers(String name) {
        List<String> values = exchange.getRequestHeaders().get(name);
        return values == null ? List.of() : values;
      }
    });
    answer.headers().forEach(exchange.getResponseHeaders()::set);
    if (answer instanceof Handshake.Refusal refusal) {
      byte[] body = refusal.body();
      exchange.sendResponseHeaders(refusal.status(), body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } else if (answer instanceof Handshake.Open open) {
      exchange.sendResponseHeaders(200, 0); // 0: chunked, no Content-Length
      stream(open, exchange.getResponseBody());
    } else {
      exchange.sendResponseHeaders(answer.status(), -1); // -1: no body
      exchange.close();
    }
  }

  /** The drain loop, on this exchange's thread: write what is queued, flush once, then wait to be woken. */
  private static void stream(Handshake.Open open, OutputStream out) {
    SseChannel channel = open.channel();
    Semaphore ready = new Semaphore(0);
    channel.start(ready::release); // the engine's wake-up: never drain in place, only signal the drain's thread
    open.opened();
    try {
      drain(channel, ready, out);
    } finally {
      channel.ended(); // the last chunk is written, or the client is gone: a shutdown waits for this
    }
  }

  private static void drain(SseChannel channel, Semaphore ready, OutputStream out) {
    try (out) {
      while (true) {
        Frame frame;
        while ((frame = channel.poll()) != null) {
          frame.writeTo(out);
        }
        out.flush();
        if (channel.isClosed() && !channel.hasPending()) {
          return; // closing the body writes the last chunk: the stream ends cleanly
        }
        ready.acquire();
      }
    } catch (IOException e) {
      channel.close(CloseReason.CLIENT_GONE); // a failed write: the client is gone
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      channel.close(CloseReason.ERROR);
    }
  }
}
