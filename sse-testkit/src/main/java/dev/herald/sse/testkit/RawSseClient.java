package dev.herald.sse.testkit;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import dev.herald.sse.testkit.parser.EventStreamParser;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A client on one raw socket to 127.0.0.1, for tests where a client must misbehave: it sends any bytes as its
 * request, reads the response with a {@link HttpResponseDecoder} and the body with an {@link EventStreamParser},
 * and can stop reading, close cleanly, or reset the connection. It reads one response at a time; on a kept-alive
 * connection, {@link #nextResponse()} moves on to the next (the response to a {@code HEAD} is read as bodiless).
 *
 * <pre>{@code
 * try (RawSseClient client = RawSseClient.connect(port, 0)) {
 *   client.send(RawSseClient.get("/events", "Last-Event-ID: 7"));
 *   assertThat(client.awaitHead(Duration.ofSeconds(5))).isEqualTo(200);
 *   List<MessageEvent> events = client.awaitEvents(3, Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p><b>Threading.</b> One thread at a time. Every wait has a deadline.
 */
public final class RawSseClient implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private static final int MAX_BODY_KEPT = 64 * 1024;

  private final byte[] buffer = new byte[16 * 1024];
  /** For each request sent whose response has not started yet: whether it was a {@code HEAD}. */
  private final ArrayDeque<Boolean> unanswered = new ArrayDeque<>();
  /** What arrived after the end of the current response: the start of the next one. */
  private final ByteArrayOutputStream leftover = new ByteArrayOutputStream();
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private EventStreamParser parser = new EventStreamParser();
  private @Nullable GzipBody gzip; // the current response's, if it is gzip-encoded
  private HttpResponseDecoder response = newDecoder();
  private boolean requestAssigned;
  private boolean eof;

  private RawSseClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /**
   * Connects to a local port.
   *
   * @param port the server's port on 127.0.0.1
   * @param receiveBuffer the socket's receive buffer in bytes, set before connecting (so it bounds the TCP window),
   *     or 0 for the system default
   * @return the connected client
   * @throws IOException if the connection fails
   */
  public static RawSseClient connect(int port, int receiveBuffer) throws IOException {
    Socket socket = new Socket();
    try {
      if (receiveBuffer > 0) {
        socket.setReceiveBufferSize(receiveBuffer);
      }
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      return new RawSseClient(socket);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * Builds a request with exactly these header lines besides {@code Host}, and no body.
   *
   * @param method the method, such as {@code HEAD}
   * @param path the path
   * @param headerLines the header lines, without line ends
   * @return the request's bytes, as ISO-8859-1 text
   */
  public static String request(String method, String path, String... headerLines) {
    StringBuilder request = new StringBuilder(method).append(' ').append(path)
        .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (String header : headerLines) {
      request.append(header).append("\r\n");
    }
    return request.append("\r\n").toString();
  }

  /**
   * Builds a {@code GET} request for an event stream.
   *
   * @param path the path
   * @param headerLines extra header lines, without line ends
   * @return the request's bytes, as ISO-8859-1 text
   */
  public static String get(String path, String... headerLines) {
    StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .append("Accept: text/event-stream\r\n");
    for (String header : headerLines) {
      request.append(header).append("\r\n");
    }
    return request.append("\r\n").toString();
  }

  /**
   * Sends bytes as they are (text as ISO-8859-1, so any byte value can be written).
   *
   * @param request the bytes to send
   * @return this client
   * @throws IOException if the write fails
   */
  public RawSseClient send(String request) throws IOException {
    // The response to a HEAD has no body whatever its headers say; the decoder must know which one it reads.
    boolean head = request.startsWith("HEAD ");
    if (requestAssigned) {
      unanswered.add(head);
    } else {
      assign(head);
    }
    out.write(request.getBytes(ISO_8859_1));
    out.flush();
    return this;
  }

  /**
   * Reads until the status line and headers have arrived.
   *
   * @param timeout how long to wait
   * @return the status code
   * @throws IOException if reading fails or the connection ends first
   * @throws AssertionError if the deadline passes first
   */
  public int awaitHead(Duration timeout) throws IOException {
    readUntil(r -> r.response.headReceived(), timeout, "the response head");
    return response.status();
  }

  /**
   * Reads until at least this many events have been dispatched in all.
   *
   * @param count how many events, counted from the start of the stream
   * @param timeout how long to wait
   * @return every event so far
   * @throws IOException if reading fails or the connection ends first
   */
  public List<MessageEvent> awaitEvents(int count, Duration timeout) throws IOException {
    readUntil(r -> r.parser.events().size() >= count, timeout, count + " events");
    return parser.events();
  }

  /**
   * Reads until the events dispatched so far meet a condition: enough of them, or a last one that ends what the test
   * waits for, whichever comes first.
   *
   * @param done tested with every event so far, each time more arrived
   * @param what what is awaited, for the failure's message
   * @param timeout how long to wait
   * @return every event so far
   * @throws IOException if reading fails or the connection ends first
   * @throws AssertionError if the deadline passes first
   */
  public List<MessageEvent> awaitEventsUntil(Predicate<? super List<MessageEvent>> done, String what,
      Duration timeout) throws IOException {
    readUntil(r -> done.test(r.parser.events()), timeout, what);
    return parser.events();
  }

  /**
   * Reads until the client's last event id (as an {@code EventSource} keeps it, id-only blocks included) is this
   * one.
   *
   * @param lastEventId the id to wait for
   * @param timeout how long to wait
   * @throws IOException if reading fails or the connection ends first
   */
  public void awaitLastEventId(String lastEventId, Duration timeout) throws IOException {
    readUntil(r -> r.parser.lastEventId().equals(lastEventId), timeout, "last event id " + lastEventId);
  }

  /**
   * Reads until the response ends: the last chunk or the whole length arrived, or for a close-delimited body, the
   * server closed the connection.
   *
   * @param timeout how long to wait
   * @return {@code true} if the body ended as HTTP delimits it (last chunk or length); {@code false} if the
   *     connection ended without that (a reset, or an EOF in the middle of a chunked body)
   * @throws AssertionError if the deadline passes first
   */
  public boolean awaitEnd(Duration timeout) {
    try {
      readUntil(r -> r.response.ended() || r.eof, timeout, "the end of the response");
    } catch (IOException e) {
      return false;
    }
    return response.ended() || (eof && response.closeDelimited());
  }

  /**
   * Reads until the server closes the connection (EOF or reset).
   *
   * @param timeout how long to wait
   * @throws AssertionError if the deadline passes first
   */
  public void awaitClosedByServer(Duration timeout) {
    try {
      readUntil(r -> r.eof, timeout, "the server to close the connection");
    } catch (IOException e) {
      // a reset: closed too
    }
  }

  /**
   * Reads at most what is there now (waiting briefly), for a client that reads a little and then stops.
   *
   * @param maxBytes the most bytes to take
   * @return how many bytes were read, -1 at EOF
   * @throws IOException if reading fails
   */
  public int readSome(int maxBytes) throws IOException {
    socket.setSoTimeout(1_000);
    try {
      int n = in.read(buffer, 0, Math.min(maxBytes, buffer.length));
      if (n > 0) {
        feed(buffer, n);
      }
      return n;
    } catch (SocketTimeoutException e) {
      return 0;
    }
  }

  /**
   * Starts reading the next response on this connection, once the current one has ended: a new decoder and parser,
   * given first what already arrived after the current response.
   *
   * @return this client
   * @throws IllegalStateException if the current response has not ended
   */
  public RawSseClient nextResponse() {
    if (!response.ended()) {
      throw new IllegalStateException("the current response has not ended: " + response);
    }
    parser = new EventStreamParser();
    body.reset();
    response = newDecoder();
    requestAssigned = false;
    Boolean head = unanswered.poll();
    if (head != null) {
      assign(head);
    }
    byte[] next = leftover.toByteArray();
    leftover.reset();
    feed(next, next.length);
    return this;
  }

  /**
   * Returns the current response's body so far (its first 64 KiB), de-chunked, as UTF-8 text.
   *
   * @return the body
   */
  public String body() {
    return body.toString(StandardCharsets.UTF_8);
  }

  /**
   * Returns the parser that read the body so far.
   *
   * @return the parser
   */
  public EventStreamParser parser() {
    return parser;
  }

  /**
   * Returns the response decoder.
   *
   * @return the decoder
   */
  public HttpResponseDecoder response() {
    return response;
  }

  /**
   * Resets the connection: closes with a zero linger, so the server sees RST rather than FIN.
   */
  public void abort() {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException e) {
      // closing anyway
    }
    close();
  }

  /** Closes the connection normally (FIN). */
  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  private void readUntil(Predicate<RawSseClient> done, Duration timeout, String what) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.test(this)) {
      if (eof) {
        throw new IOException("the connection (local port " + socket.getLocalPort() + ") ended before " + what + ": " + response);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + ": " + response);
      }
      socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
      int n;
      try {
        n = in.read(buffer);
      } catch (SocketTimeoutException e) {
        continue;
      }
      if (n < 0) {
        eof = true;
      } else {
        feed(buffer, n);
      }
    }
  }

  private void feed(byte[] bytes, int length) {
    ByteBuffer chunk = ByteBuffer.wrap(bytes, 0, length);
    response.feed(chunk);
    leftover.write(bytes, chunk.position(), chunk.remaining());
  }

  private HttpResponseDecoder newDecoder() {
    gzip = null;
    HttpResponseDecoder.BodySink decoded = (bytes, offset, length) -> {
      parser.feed(ByteBuffer.wrap(bytes, offset, length));
      body.write(bytes, offset, Math.max(0, Math.min(length, MAX_BODY_KEPT - body.size())));
    };
    return new HttpResponseDecoder((bytes, offset, length) -> {
      if (gzip == null && "gzip".equalsIgnoreCase(response.header("Content-Encoding"))) {
        gzip = new GzipBody();
      }
      if (gzip != null) {
        gzip.feed(bytes, offset, length, decoded); // decoded as it arrives, as a browser does
      } else {
        decoded.body(bytes, offset, length);
      }
    });
  }

  /**
   * Tells whether a gzip-encoded body ended as gzip ends: a final block, then a trailer whose CRC-32 and length match
   * what was decoded. The body and the parser see the decoded bytes whatever the encoding.
   *
   * @return {@code true} if the body was gzip-encoded and ended cleanly
   */
  public boolean gzipEndedCleanly() {
    GzipBody body = gzip;
    return body != null && body.endedCleanly();
  }

  private void assign(boolean head) {
    if (head) {
      response.noBody();
    }
    requestAssigned = true;
  }
}
