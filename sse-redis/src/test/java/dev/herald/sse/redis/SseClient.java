package dev.herald.sse.redis;

import dev.herald.sse.core.testing.EventStreamParser;
import dev.herald.sse.core.testing.EventStreamParser.MessageEvent;
import dev.herald.sse.core.testing.FakeTransport.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An event-stream client for tests: the JDK's HTTP client reads the stream and a spec-following
 * {@link EventStreamParser} reads the bytes, so what it reports is what a browser would dispatch.
 */
final class SseClient implements AutoCloseable {
  private final EventStreamParser parser = new EventStreamParser();
  private final HttpResponse<InputStream> response;
  private volatile boolean ended;

  private SseClient(HttpResponse<InputStream> response) {
    this.response = response;
    Thread reader = new Thread(this::read, "sse-client");
    reader.setDaemon(true);
    reader.start();
  }

  static SseClient connect(HttpClient http, URI uri, @Nullable String lastEventId) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(10))
        .header("Accept", "text/event-stream");
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    return new SseClient(http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
  }

  private void read() {
    byte[] buffer = new byte[8192];
    try (InputStream in = response.body()) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        synchronized (this) {
          parser.feed(Arrays.copyOf(buffer, n));
        }
      }
    } catch (IOException e) {
      // closed by either side
    } finally {
      ended = true;
    }
  }

  synchronized List<MessageEvent> events() {
    return List.copyOf(parser.events());
  }

  List<MessageEvent> awaitEvents(int count) {
    Await.until(() -> events().size() >= count, () -> "expected " + count + " events, got " + events().size()
        + ": " + events());
    return events();
  }

  boolean ended() {
    return ended;
  }

  @Override
  public void close() throws IOException {
    response.body().close();
  }
}
