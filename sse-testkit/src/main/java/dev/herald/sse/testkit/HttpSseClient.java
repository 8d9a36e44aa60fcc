package dev.herald.sse.testkit;

import dev.herald.sse.testkit.parser.EventStreamParser;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An event-stream client for tests over real sockets: the JDK's HTTP client reads the stream and a spec-following
 * {@link EventStreamParser} reads the bytes, so what it reports is what a browser would dispatch.
 *
 * <p><b>Threading.</b> One reader thread per client feeds the parser; the accessors may be called from any thread
 * and return snapshots.
 */
public final class HttpSseClient implements AutoCloseable {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private final EventStreamParser parser = new EventStreamParser();
  private final HttpResponse<InputStream> response;
  private final Thread reader;
  private volatile boolean ended;
  private volatile boolean endedCleanly;

  private HttpSseClient(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = new Thread(this::read, "sse-client");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Opens a stream and starts reading it.
   *
   * @param http the client to send with (HTTP/1.1, or HTTP/2 where the server speaks it)
   * @param uri the stream's address
   * @param lastEventId the {@code Last-Event-ID} header to send, or {@code null} for none
   * @return the client, reading
   * @throws Exception if the request fails
   */
  public static HttpSseClient connect(HttpClient http, URI uri, @Nullable String lastEventId) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(10))
        .header("Accept", "text/event-stream");
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    return new HttpSseClient(http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
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
      endedCleanly = true; // the end of the body as HTTP delimits it: the last chunk, or END_STREAM on HTTP/2
    } catch (IOException e) {
      // the stream was cut (a reset, an EOF in the middle of a chunked body), or closed by this client
    } finally {
      ended = true;
    }
  }

  /**
   * Returns the client's last event id as an {@code EventSource} keeps it: set by every {@code id} field, an id-only
   * block's included, which is what it would send as {@code Last-Event-ID} when it reconnects.
   *
   * @return the last event id, empty if none was set
   */
  public synchronized String lastEventId() {
    return parser.lastEventId();
  }

  /**
   * Returns the response's status code.
   *
   * @return the status
   */
  public int status() {
    return response.statusCode();
  }

  /**
   * Returns the response's headers.
   *
   * @return the headers
   */
  public HttpHeaders headers() {
    return response.headers();
  }

  /**
   * Returns the events read so far.
   *
   * @return a snapshot of the dispatched events
   */
  public synchronized List<MessageEvent> events() {
    return List.copyOf(parser.events());
  }

  /**
   * Returns the data of the events read so far.
   *
   * @return a snapshot of each event's data, in order
   */
  public synchronized List<String> data() {
    return parser.events().stream().map(MessageEvent::data).toList();
  }

  /**
   * Returns the HTTP version the response came in, which the client negotiated (HTTP/2 over TLS by ALPN, or over
   * cleartext by {@code Upgrade: h2c}, when the client was built for HTTP/2).
   *
   * @return the response's version
   */
  public HttpClient.Version version() {
    return response.version();
  }

  /**
   * Tells whether the stream ended as HTTP delimits a body (the last chunk on HTTP/1.1, {@code END_STREAM} on
   * HTTP/2) rather than being cut.
   *
   * @return {@code true} once the body ended cleanly
   */
  public boolean endedCleanly() {
    return endedCleanly;
  }

  /**
   * Tells whether the stream has ended.
   *
   * @return {@code true} once the response body was closed by either side
   */
  public boolean ended() {
    return ended;
  }

  /**
   * Waits until at least {@code count} events have arrived.
   *
   * @param count how many events
   * @return the events read
   * @throws AssertionError if they do not arrive within ten seconds
   */
  public List<MessageEvent> awaitEvents(int count) {
    Probes.await(DEADLINE, () -> events().size() >= count,
        () -> "expected " + count + " events, got " + events().size() + ": " + events());
    return events();
  }

  /**
   * Waits until the stream has ended.
   *
   * @throws AssertionError if it does not end within ten seconds
   */
  public void awaitEnded() {
    Probes.await(DEADLINE, () -> ended, () -> "the stream did not end; got " + events());
  }

  /** Stops reading and closes the response. */
  @Override
  public void close() throws IOException {
    response.body().close();
    reader.interrupt();
  }
}
