package dev.herald.sse.testkit;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.testkit.parser.EventStreamParser;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;

/**
 * An event-stream client over HTTP/2 for tests, on OkHttp: h2 over TLS (ALPN, trusting a {@link TestCertificate})
 * or h2c by prior knowledge, one call per stream, many streams on one connection. A spec-following
 * {@link EventStreamParser} reads the body (gzip-decoded as it arrives when the request asked for it), so what it
 * reports is what a browser would dispatch; {@link #close()} cancels the call, which over HTTP/2 resets the stream
 * ({@code RST_STREAM}) and leaves the connection open.
 *
 * <pre>{@code
 * OkHttpClient http = OkHttpSseClient.h2c();
 * try (OkHttpSseClient client = OkHttpSseClient.open(http, "http://127.0.0.1:" + port + "/events", "GET")) {
 *   assertThat(client.protocol()).isEqualTo(Protocol.H2_PRIOR_KNOWLEDGE);
 *   client.awaitEvents(1);
 * }
 * OkHttpSseClient.shutdown(http);
 * }</pre>
 *
 * <p><b>Threading.</b> One reader thread per client sends the request and feeds the parser; the accessors may be
 * called from any thread and return snapshots. Every wait has a ten-second deadline.
 */
public final class OkHttpSseClient implements AutoCloseable {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final int MAX_BODY_KEPT = 64 * 1024;

  private final EventStreamParser parser = new EventStreamParser();
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private final CompletableFuture<Response> head = new CompletableFuture<>();
  private final Call call;
  private final boolean decodeGzip;
  private @Nullable GzipBody gzip;
  private volatile @Nullable Connection connection;
  private volatile boolean ended;
  private volatile boolean endedCleanly;
  private volatile @Nullable IOException cut;

  private OkHttpSseClient(Call call, boolean decodeGzip) {
    this.call = call;
    this.decodeGzip = decodeGzip;
  }

  /**
   * Makes a client that speaks h2 over TLS (ALPN offering h2, then HTTP/1.1) and trusts this certificate.
   *
   * @param certificate the server's certificate
   * @return the client; {@link #shutdown} it after the test
   */
  public static OkHttpClient h2(TestCertificate certificate) {
    return builder()
        .protocols(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1))
        .sslSocketFactory(certificate.clientContext().getSocketFactory(), certificate.trustManager())
        .build();
  }

  /**
   * Makes a client that speaks cleartext HTTP/2 by prior knowledge (no {@code Upgrade}, no HTTP/1.1).
   *
   * @return the client; {@link #shutdown} it after the test
   */
  public static OkHttpClient h2c() {
    return builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build();
  }

  private static OkHttpClient.Builder builder() {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(1_000);
    dispatcher.setMaxRequestsPerHost(1_000);
    return new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool())
        .retryOnConnectionFailure(false)
        .connectTimeout(DEADLINE)
        .readTimeout(Duration.ZERO) // a stream may be quiet for long; the waits below have deadlines
        .writeTimeout(DEADLINE);
  }

  /**
   * Stops a client's threads and closes its connections.
   *
   * @param http a client made by {@link #h2} or {@link #h2c}
   */
  public static void shutdown(OkHttpClient http) {
    http.dispatcher().cancelAll();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  /**
   * Sends a request and waits for the response's head; the body is then read as it arrives.
   *
   * @param http the client to send with
   * @param url the address
   * @param method the method; {@code POST}, {@code PUT} and {@code PATCH} are sent with an empty body
   * @param headerLines header lines as {@code "Name: value"}, each sent as its own field (a value may be empty)
   * @return the client, reading
   * @throws AssertionError if no response head arrives within ten seconds, or the request fails
   */
  public static OkHttpSseClient open(OkHttpClient http, String url, String method, String... headerLines) {
    Request.Builder request = new Request.Builder().url(url);
    boolean gzip = false;
    for (String line : headerLines) {
      int colon = line.indexOf(':');
      String name = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      request.addHeader(name, value);
      gzip |= name.equalsIgnoreCase("Accept-Encoding");
    }
    boolean needsBody = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    request.method(method, needsBody ? RequestBody.create(new byte[0], null) : null);
    OkHttpSseClient[] self = new OkHttpSseClient[1];
    // A client of its own for this call that shares the given one's connections and threads, to learn which
    // connection carries the stream.
    OkHttpClient recording = http.newBuilder().addNetworkInterceptor(chain -> {
      self[0].connection = chain.connection();
      return chain.proceed(chain.request());
    }).build();
    OkHttpSseClient client = new OkHttpSseClient(recording.newCall(request.build()), gzip);
    self[0] = client;
    Thread reader = new Thread(client::read, "okhttp-sse-client");
    reader.setDaemon(true);
    reader.start();
    client.response(); // the head, or an AssertionError
    return client;
  }

  private void read() {
    try (Response response = call.execute()) {
      head.complete(response);
      ResponseBody responseBody = response.body();
      // OkHttp decodes gzip itself only when it asked for it; a request that named its own Accept-Encoding gets
      // the bytes as sent, decoded here as they arrive, as a browser does.
      if (decodeGzip && "gzip".equalsIgnoreCase(response.header("Content-Encoding"))) {
        synchronized (this) {
          gzip = new GzipBody();
        }
      }
      byte[] buffer = new byte[16 * 1024];
      InputStream in = responseBody.byteStream();
      int n;
      while ((n = in.read(buffer)) != -1) {
        take(buffer, n);
      }
      endedCleanly = true; // END_STREAM on HTTP/2
    } catch (IOException e) {
      cut = e; // once the head came: the stream was reset, or cancelled by close()
      head.completeExceptionally(e);
    } catch (RuntimeException e) {
      head.completeExceptionally(e);
    } finally {
      ended = true;
    }
  }

  private synchronized void take(byte[] bytes, int count) {
    HttpResponseDecoder.BodySink sink = (decoded, offset, length) -> {
      parser.feed(Arrays.copyOfRange(decoded, offset, offset + length));
      if (body.size() < MAX_BODY_KEPT) {
        body.write(decoded, offset, length);
      }
    };
    if (gzip != null) {
      gzip.feed(bytes, 0, count, sink);
    } else {
      sink.body(bytes, 0, count);
    }
  }

  /**
   * Returns the response's head, waiting for it.
   *
   * @return the response (its body is this client's)
   * @throws AssertionError if it does not arrive within ten seconds, or the request failed
   */
  public Response response() {
    try {
      return head.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("the request failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("no response within " + DEADLINE, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /**
   * Returns the response's status code.
   *
   * @return the status
   */
  public int status() {
    return response().code();
  }

  /**
   * Returns the protocol the response came in: {@link Protocol#HTTP_2} when ALPN chose h2,
   * {@link Protocol#H2_PRIOR_KNOWLEDGE} for h2c.
   *
   * @return the negotiated protocol
   */
  public Protocol protocol() {
    return response().protocol();
  }

  /**
   * Returns a response header's value, the last if it came several times.
   *
   * @param name the header's name, in any case
   * @return its value, or {@code null} if absent
   */
  public @Nullable String header(String name) {
    return response().header(name);
  }

  /**
   * Returns the connection that carries the stream: streams on one HTTP/2 connection return the same.
   *
   * @return the connection
   */
  public Connection connection() {
    response();
    return requireNonNull(connection, "no connection recorded");
  }

  /**
   * Tells whether the connection that carried the stream is closed, as OkHttp closes it when the server closes its
   * side (after a {@code GOAWAY}, or without one).
   *
   * @return {@code true} once the connection's socket is closed
   */
  public boolean connectionClosed() {
    return connection().socket().isClosed();
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
   * @return each event's data, in order
   */
  public synchronized List<String> data() {
    return parser.events().stream().map(MessageEvent::data).toList();
  }

  /**
   * Returns the client's last event id as an {@code EventSource} keeps it (set by every {@code id} field).
   *
   * @return the last event id, empty if none was set
   */
  public synchronized String lastEventId() {
    return parser.lastEventId();
  }

  /**
   * Returns the body read so far as UTF-8 text (its first 64 KiB), for a response that is not a stream.
   *
   * @return the body's text
   */
  public synchronized String body() {
    return body.toString(StandardCharsets.UTF_8);
  }

  /**
   * Tells whether the body ended with {@code END_STREAM} rather than a reset or a cut connection.
   *
   * @return {@code true} once the body ended cleanly
   */
  public boolean endedCleanly() {
    return endedCleanly;
  }

  /**
   * Returns why the stream was cut, if it was: OkHttp's {@code StreamResetException} for a reset, with its error
   * code.
   *
   * @return the exception, or {@code null} if the body ended cleanly or has not ended
   */
  public @Nullable IOException cut() {
    return cut;
  }

  /**
   * Tells whether a gzip body ended as gzip ends: a final block, then a trailer whose CRC-32 and length match.
   *
   * @return {@code true} if the body was gzip-encoded and ended cleanly
   */
  public synchronized boolean gzipEndedCleanly() {
    return gzip != null && gzip.endedCleanly();
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
   * Waits until the client's last event id is {@code id}.
   *
   * @param id the id
   * @throws AssertionError if it is not within ten seconds
   */
  public void awaitLastEventId(String id) {
    Probes.await(DEADLINE, () -> lastEventId().equals(id), () -> "last event id: " + lastEventId());
  }

  /**
   * Waits until the body has ended, and tells how.
   *
   * @return {@code true} if it ended with {@code END_STREAM}, {@code false} if it was reset or cut
   * @throws AssertionError if it does not end within ten seconds
   */
  public boolean awaitEnd() {
    Probes.await(DEADLINE, () -> ended, () -> "the stream did not end; got " + events());
    return endedCleanly;
  }

  /** Cancels the call: over HTTP/2, a {@code RST_STREAM} ({@code CANCEL}) for this stream alone. */
  @Override
  public void close() {
    call.cancel();
  }
}
