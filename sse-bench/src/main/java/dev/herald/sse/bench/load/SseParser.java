package dev.herald.sse.bench.load;

import io.netty.buffer.ByteBuf;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads an HTTP/1.1 event-stream response incrementally, byte by byte, with no allocation per event: the status
 * line and headers, then the body (chunked or not), then the event stream, where only {@code data:} lines and
 * blank lines matter. Each dispatched event is reported as the greeting ({@code connected}) or as a burst event
 * whose data starts with the sender's {@code System.nanoTime()} in decimal.
 *
 * <p>A body with {@code Content-Encoding: gzip} is inflated on the way (one gzip member, no optional header
 * fields, as Herald and Netty write it), so each event is counted the moment its compressed bytes arrive.
 *
 * <p>Not thread-safe: one parser per connection, fed on its event loop.
 */
public final class SseParser {

  /** What the parser reports. */
  public interface Listener {
    /** The response head was read; {@code status} is its code. */
    void head(int status);

    /** The greeting arrived. */
    void connected();

    /** A burst event arrived; {@code sentNanos} is the number its data starts with. */
    void event(long sentNanos);

    /** An event whose data is neither the greeting nor starts with a number. */
    default void other() {}
  }

  private static final byte[] DATA = {'d', 'a', 't', 'a'};
  private static final byte[] CONNECTED = {'c', 'o', 'n', 'n', 'e', 'c', 't', 'e', 'd'};
  private static final int MAX_HEAD = 16 * 1024;

  private enum Part { HEAD, CHUNK_SIZE, CHUNK_EXTENSION, CHUNK_DATA, CHUNK_DATA_END, BODY, DONE }

  private final Listener listener;
  private Part part = Part.HEAD;

  // the response head
  private final StringBuilder head = new StringBuilder();

  // gzip: the header bytes still to skip, and the inflater, or null for an identity body
  private int gzipHeaderLeft;
  private Inflater inflater;
  private byte[] inflated;

  // chunked framing
  private long chunkLeft;
  private boolean chunkSizeSeen;

  // the event stream: the current line
  private int fieldIndex; // bytes of the field name read, or -1 once past the ':'
  private boolean fieldIsData; // the field name so far matches "data"
  private boolean valueStart; // right after ':' (one leading space is skipped)
  private boolean lastWasCr;
  // the current line's value, when the field is data
  private long number;
  private int digits;
  private boolean numberEnded;
  private int connectedMatch; // bytes matching "connected", or -1 on a mismatch
  private int valueLength;
  // the current event
  private boolean hasData;
  private boolean eventIsConnected;
  private long eventNumber;
  private int eventDigits;

  public SseParser(Listener listener) {
    this.listener = listener;
    resetLine();
  }

  /** Whether the response's head was read (or {@link #startBody} called). */
  public boolean started() {
    return part != Part.HEAD;
  }

  /** Whether the response ended (the last chunk was read). */
  public boolean done() {
    return part == Part.DONE;
  }

  /**
   * Starts at the body of a response whose head came some other way (an HTTP/2 HEADERS frame).
   *
   * @param status the response's status
   * @param gzip whether the body is gzip-encoded
   */
  public void startBody(int status, boolean gzip) {
    part = Part.BODY;
    if (gzip) {
      startGzip();
    }
    listener.head(status);
  }

  /** Feeds the readable bytes of a buffer, without moving its reader index. */
  public void feed(ByteBuf buffer) {
    int end = buffer.writerIndex();
    for (int i = buffer.readerIndex(); i < end; ) {
      i = step(buffer, i, end);
    }
  }

  private int step(ByteBuf buffer, int i, int end) {
    switch (part) {
      case HEAD -> {
        head.append((char) (buffer.getByte(i) & 0xFF));
        int n = head.length();
        if (n >= 4 && head.charAt(n - 1) == '\n' && head.charAt(n - 2) == '\r' && head.charAt(n - 3) == '\n'
            && head.charAt(n - 4) == '\r') {
          endHead();
        } else if (n > MAX_HEAD) {
          throw new IllegalStateException("response head longer than " + MAX_HEAD + " bytes");
        }
        return i + 1;
      }
      case CHUNK_SIZE -> {
        byte b = buffer.getByte(i);
        int digit = Character.digit(b, 16);
        if (digit >= 0) {
          chunkLeft = chunkLeft * 16 + digit;
          chunkSizeSeen = true;
        } else if (b == '\n') {
          endChunkSize();
        } else if (b != '\r') {
          part = Part.CHUNK_EXTENSION;
        }
        return i + 1;
      }
      case CHUNK_EXTENSION -> {
        if (buffer.getByte(i) == '\n') {
          endChunkSize();
        }
        return i + 1;
      }
      case CHUNK_DATA -> {
        int n = (int) Math.min(chunkLeft, end - i);
        body(buffer, i, i + n);
        chunkLeft -= n;
        if (chunkLeft == 0) {
          part = Part.CHUNK_DATA_END;
        }
        return i + n;
      }
      case CHUNK_DATA_END -> {
        if (buffer.getByte(i) == '\n') {
          part = Part.CHUNK_SIZE;
          chunkLeft = 0;
          chunkSizeSeen = false;
        }
        return i + 1;
      }
      case BODY -> {
        body(buffer, i, end);
        return end;
      }
      default -> {
        return end; // after the last chunk: trailers and anything else are ignored
      }
    }
  }

  private void endHead() {
    String text = head.toString();
    head.setLength(0);
    int status = 0;
    if (text.startsWith("HTTP/1.") && text.length() >= 12) {
      try {
        status = Integer.parseInt(text.substring(9, 12));
      } catch (NumberFormatException e) {
        status = 0;
      }
    }
    boolean chunked = false;
    for (String line : text.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim().toLowerCase(java.util.Locale.ROOT);
      if (name.equalsIgnoreCase("transfer-encoding") && value.contains("chunked")) {
        chunked = true;
      } else if (name.equalsIgnoreCase("content-encoding") && value.equals("gzip")) {
        startGzip();
      }
    }
    part = chunked ? Part.CHUNK_SIZE : Part.BODY;
    listener.head(status);
  }

  private void endChunkSize() {
    if (!chunkSizeSeen) {
      part = Part.CHUNK_SIZE; // the CRLF after a chunk's data, or a blank line: keep reading the size
      return;
    }
    part = chunkLeft == 0 ? Part.DONE : Part.CHUNK_DATA;
  }

  private void startGzip() {
    gzipHeaderLeft = 10;
    inflater = new Inflater(true);
    inflated = new byte[8192];
  }

  /** Bytes of the body, from {@code from} to {@code to}: the event stream, or its gzip encoding. */
  private void body(ByteBuf buffer, int from, int to) {
    if (inflater == null) {
      for (int j = from; j < to; j++) {
        event(buffer.getByte(j));
      }
      return;
    }
    int i = from;
    for (; i < to && gzipHeaderLeft > 0; i++, gzipHeaderLeft--) {
      if (gzipHeaderLeft == 7 && buffer.getByte(i) != 0) { // FLG: no FEXTRA, FNAME, FCOMMENT or FHCRC
        throw new IllegalStateException("gzip header with optional fields");
      }
    }
    if (i == to || inflater.finished()) {
      return; // all header, or the trailer after the member's last block
    }
    inflater.setInput(buffer.nioBuffer(i, to - i));
    try {
      while (!inflater.needsInput() && !inflater.finished()) {
        int n = inflater.inflate(inflated);
        for (int j = 0; j < n; j++) {
          event(inflated[j]);
        }
        if (n == 0 && inflater.needsDictionary()) {
          throw new IllegalStateException("gzip stream needs a dictionary");
        }
      }
    } catch (DataFormatException e) {
      throw new IllegalStateException("corrupt gzip stream: " + e.getMessage(), e);
    }
  }

  /** One byte of the event stream. */
  private void event(byte b) {
    if (b == '\n' || b == '\r') {
      if (b == '\n' && lastWasCr) {
        lastWasCr = false;
        return; // the LF of a CRLF
      }
      lastWasCr = b == '\r';
      endLine();
      return;
    }
    lastWasCr = false;
    if (fieldIndex >= 0) {
      if (b == ':') {
        fieldIsData = fieldIsData && fieldIndex == DATA.length;
        fieldIndex = -1;
        valueStart = true;
      } else {
        fieldIsData = fieldIsData && fieldIndex < DATA.length && DATA[fieldIndex] == b;
        fieldIndex++;
      }
      return;
    }
    if (valueStart) {
      valueStart = false;
      if (b == ' ') {
        return;
      }
    }
    if (!fieldIsData) {
      return;
    }
    if (!numberEnded && b >= '0' && b <= '9' && digits < 19) {
      number = number * 10 + (b - '0');
      digits++;
    } else {
      numberEnded = true;
    }
    if (connectedMatch >= 0) {
      connectedMatch = connectedMatch < CONNECTED.length && CONNECTED[connectedMatch] == b ? connectedMatch + 1 : -1;
    }
    valueLength++;
  }

  private void endLine() {
    if (fieldIndex == 0) {
      dispatch(); // a blank line
    } else if (fieldIsData && fieldIndex == -1) {
      if (!hasData) {
        eventNumber = number;
        eventDigits = digits;
        eventIsConnected = connectedMatch == CONNECTED.length && valueLength == CONNECTED.length;
      } else {
        eventIsConnected = false; // a second data line: not the one-line greeting
      }
      hasData = true;
    }
    resetLine();
  }

  private void dispatch() {
    if (hasData) {
      if (eventIsConnected) {
        listener.connected();
      } else if (eventDigits > 0) {
        listener.event(eventNumber);
      } else {
        listener.other();
      }
    }
    hasData = false;
    eventIsConnected = false;
    eventDigits = 0;
    eventNumber = 0;
  }

  private void resetLine() {
    fieldIndex = 0;
    fieldIsData = true;
    valueStart = false;
    number = 0;
    digits = 0;
    numberEnded = false;
    connectedMatch = 0;
    valueLength = 0;
  }
}
