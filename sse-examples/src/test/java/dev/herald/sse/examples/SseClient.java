package dev.herald.sse.examples;

import dev.herald.sse.core.testing.EventStreamParser;
import dev.herald.sse.core.testing.EventStreamParser.MessageEvent;
import dev.herald.sse.core.testing.FakeTransport.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * An event-stream client for tests: the JDK's HTTP client reads {@code GET /events} and a spec-following
 * {@link EventStreamParser} reads the bytes, so what it reports is what a browser would dispatch.
 */
final class SseClient implements AutoCloseable {
  private final EventStreamParser parser = new EventStreamParser();
  private final HttpResponse<InputStream> response;
  private final Thread reader;
  private volatile boolean ended;

  private SseClient(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = new Thread(this::read, "sse-client");
    reader.setDaemon(true);
    reader.start();
  }

  static SseClient connect(HttpClient http, URI uri, String lastEventId) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(10))
        .header("Accept", "text/event-stream");
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    return new SseClient(response);
  }

  private void read() {
    byte[] buffer = new byte[8192];
    try (InputStream in = response.body()) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        synchronized (this) {
          parser.feed(java.util.Arrays.copyOf(buffer, n));
        }
      }
    } catch (IOException e) {
      // the stream was closed by either side
    } finally {
      ended = true;
    }
  }

  int status() {
    return response.statusCode();
  }

  HttpHeaders headers() {
    return response.headers();
  }

  synchronized List<MessageEvent> events() {
    return List.copyOf(parser.events());
  }

  synchronized List<String> data() {
    return parser.events().stream().map(MessageEvent::data).toList();
  }

  List<MessageEvent> awaitEvents(int count) {
    Await.until(() -> events().size() >= count, () -> "expected " + count + " events, got " + events());
    return events();
  }

  void awaitEnded() {
    Await.until(() -> ended, () -> "the stream did not end; got " + events());
  }

  @Override
  public void close() throws IOException {
    response.body().close();
    reader.interrupt();
  }
}
