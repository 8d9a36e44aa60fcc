package dev.herald.sse.testkit;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads an HTTP/1.1 response incrementally, from bytes split anywhere: the status line and headers, then the body,
 * de-chunked when it is chunked, handed to a sink as it arrives. Knows whether the body ended cleanly (the last
 * chunk, or all of a {@code Content-Length}). It reads one response: what follows its end is left unread in the
 * buffer fed to it, for the next response on the connection.
 *
 * <p><b>Threading.</b> Not thread-safe.
 */
public final class HttpResponseDecoder {
  /** Receives body bytes as they are decoded. */
  @FunctionalInterface
  public interface BodySink {
    /**
     * Takes some body bytes.
     *
     * @param bytes an array the sink must not keep
     * @param offset where they start
     * @param length how many
     */
    void body(byte[] bytes, int offset, int length);
  }

  private enum State { HEAD, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILER, IDENTITY, DONE }

  private final BodySink sink;
  private final StringBuilder line = new StringBuilder();
  private final Map<String, List<String>> headers = new LinkedHashMap<>();
  private State state = State.HEAD;
  private volatile int status = -1;
  private long remaining = -1;
  private boolean chunkExtension;
  private boolean noBody;

  /**
   * Makes a decoder at the start of a response.
   *
   * @param sink where the body goes
   */
  public HttpResponseDecoder(BodySink sink) {
    this.sink = sink;
  }

  /**
   * Tells this decoder that the response answers a {@code HEAD} request, so it has no body whatever its headers
   * say (RFC 9110, section 9.3.2). Call it before the head arrives.
   *
   * @return this decoder
   */
  public HttpResponseDecoder noBody() {
    noBody = true;
    return this;
  }

  /**
   * Decodes the next bytes: from the buffer's position up to the end of this response, leaving the position after
   * the last byte it took (at the limit, unless the response ended before it).
   *
   * @param in the bytes
   * @throws IllegalStateException if the response does not start with an HTTP status line
   */
  public void feed(ByteBuffer in) {
    while (in.hasRemaining() && state != State.DONE) {
      switch (state) {
        case HEAD -> headLine(in);
        case CHUNK_SIZE -> chunkSize(in);
        case CHUNK_DATA -> {
          int n = (int) Math.min(remaining, in.remaining());
          body(in, n);
          remaining -= n;
          if (remaining == 0) {
            state = State.CHUNK_DATA_END;
          }
        }
        case CHUNK_DATA_END -> {
          byte b = in.get();
          if (b == '\n') {
            state = State.CHUNK_SIZE;
          }
        }
        case TRAILER -> {
          if (readLine(in)) {
            if (line.length() == 0) {
              state = State.DONE;
            }
            line.setLength(0);
          }
        }
        case IDENTITY -> {
          int n = remaining < 0 ? in.remaining() : (int) Math.min(remaining, in.remaining());
          body(in, n);
          if (remaining > 0) {
            remaining -= n;
            if (remaining == 0) {
              state = State.DONE;
            }
          }
        }
        default -> throw new AssertionError(state);
      }
    }
  }

  /**
   * Tells whether the status line and headers have arrived.
   *
   * @return {@code true} once the body (if any) is next
   */
  public boolean headReceived() {
    return state != State.HEAD;
  }

  /**
   * Returns the status code.
   *
   * @return the code, or -1 before the head arrived
   */
  public int status() {
    return status;
  }

  /**
   * Returns a response header: its last value, if the response has it more than once.
   *
   * @param name its name, any case
   * @return its value, or {@code null}
   */
  public @Nullable String header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null ? null : values.get(values.size() - 1);
  }

  /**
   * Returns every value of a response header, one per header line, in the order they came.
   *
   * @param name its name, any case
   * @return its values, empty if the response does not have it
   */
  public List<String> headers(String name) {
    return List.copyOf(headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of()));
  }

  /**
   * Tells whether the body ended the way HTTP delimits it: the last chunk, or the whole {@code Content-Length}.
   * A body delimited by the connection closing never reports a clean end here; see {@link #closeDelimited()}.
   *
   * @return {@code true} after a clean end
   */
  public boolean ended() {
    return state == State.DONE;
  }

  /**
   * Tells whether the body runs until the connection closes (no chunking, no length).
   *
   * @return {@code true} for a close-delimited body
   */
  public boolean closeDelimited() {
    return state == State.IDENTITY && remaining < 0;
  }

  private void body(ByteBuffer in, int n) {
    if (n == 0) {
      return;
    }
    if (in.hasArray()) {
      sink.body(in.array(), in.arrayOffset() + in.position(), n);
      in.position(in.position() + n);
    } else {
      byte[] copy = new byte[n];
      in.get(copy);
      sink.body(copy, 0, n);
    }
  }

  private void headLine(ByteBuffer in) {
    if (!readLine(in)) {
      return;
    }
    String text = line.toString();
    line.setLength(0);
    if (status < 0) {
      String[] parts = text.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/") || !parts[1].matches("[0-9]{3}")) {
        throw new IllegalStateException("not an HTTP status line: " + text);
      }
      status = Integer.parseInt(parts[1]);
      return;
    }
    if (!text.isEmpty()) {
      int colon = text.indexOf(':');
      headers.computeIfAbsent(text.substring(0, colon).trim().toLowerCase(Locale.ROOT), key -> new ArrayList<>())
          .add(text.substring(colon + 1).trim());
      return;
    }
    String length = header("content-length");
    if (noBody) {
      state = State.DONE;
    } else if ("chunked".equalsIgnoreCase(header("transfer-encoding"))) {
      state = State.CHUNK_SIZE;
    } else if (length != null) {
      remaining = Long.parseLong(length);
      state = remaining == 0 ? State.DONE : State.IDENTITY;
    } else if (status == 204 || status == 304 || status < 200) {
      state = State.DONE;
    } else {
      state = State.IDENTITY;
    }
  }

  private void chunkSize(ByteBuffer in) {
    while (in.hasRemaining()) {
      char c = (char) (in.get() & 0xFF);
      if (c == '\n') {
        long size = remaining < 0 ? 0 : remaining;
        remaining = -1;
        chunkExtension = false;
        if (size == 0) {
          state = State.TRAILER;
        } else {
          remaining = size;
          state = State.CHUNK_DATA;
        }
        return;
      }
      if (c == ';') {
        chunkExtension = true;
      } else if (!chunkExtension && Character.digit(c, 16) >= 0) {
        remaining = (remaining < 0 ? 0 : remaining) * 16 + Character.digit(c, 16);
      }
    }
  }

  /** Reads up to an LF into {@link #line} (without CR LF); returns whether a whole line is there. */
  private boolean readLine(ByteBuffer in) {
    while (in.hasRemaining()) {
      byte b = in.get();
      if (b == '\n') {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
          line.setLength(end - 1);
        }
        return true;
      }
      line.append((char) (b & 0xFF));
    }
    return false;
  }

  @Override
  public String toString() {
    return "HttpResponseDecoder{status=" + status + ", state=" + state + ", headers=" + headers + '}';
  }
}
