package dev.herald.sse.testkit.parser;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * A {@code text/event-stream} parser that follows the WHATWG HTML standard's "Interpreting an event stream"
 * algorithm to the letter, so tests can read the wire the way a browser's {@code EventSource} does.
 *
 * <p>It decodes UTF-8 with the standard's decoder (one leading BOM stripped, each invalid sequence read as
 * U+FFFD), ends lines at CRLF, LF or CR, and applies the {@code event}, {@code data}, {@code id} and
 * {@code retry} fields; a blank line dispatches an event when the data buffer is not empty. What it reads is
 * kept for assertions: the dispatched {@link #events()}, the {@link #comments()}, the latest {@link #retry()}
 * and the current {@link #lastEventId()}.
 *
 * <p>It is incremental: {@link #feed(byte[])} accepts the stream in chunks split anywhere, inside a UTF-8
 * sequence or between the CR and LF of one line break. An event still incomplete when the bytes stop is not
 * dispatched, as the standard says of a stream that ends mid-event.
 *
 * <pre>{@code
 * EventStreamParser parser = new EventStreamParser();
 * parser.feed("id: 7\ndata: hello\n\n".getBytes(StandardCharsets.UTF_8));
 * assertThat(parser.events()).containsExactly(new MessageEvent("message", "hello", "7"));
 * }</pre>
 *
 * <p><b>Threading.</b> Not thread-safe: feed it from one thread at a time.
 *
 * @see <a href="https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation">
 *     HTML: Interpreting an event stream</a>
 * @see <a href="https://encoding.spec.whatwg.org/#utf-8-decoder">Encoding: UTF-8 decoder</a>
 */
public final class EventStreamParser {
  private static final int REPLACEMENT_CHARACTER = 0xFFFD;
  private static final int BOM = 0xFEFF;

  // UTF-8 decoder state, named as in the Encoding standard.
  private int utf8CodePoint;
  private int utf8BytesSeen;
  private int utf8BytesNeeded;
  private int utf8LowerBoundary = 0x80;
  private int utf8UpperBoundary = 0xBF;
  private boolean atStart = true;

  // Line state: the line read so far, and whether the last line ended with a CR whose LF may still come.
  private final StringBuilder line = new StringBuilder();
  private boolean afterCarriageReturn;

  // Event stream state, named as in the HTML standard.
  private final StringBuilder dataBuffer = new StringBuilder();
  private String eventTypeBuffer = "";
  private String lastEventIdBuffer = "";
  private String lastEventId = "";
  private OptionalLong reconnectionTime = OptionalLong.empty();

  private final List<MessageEvent> events = new ArrayList<>();
  private final List<String> comments = new ArrayList<>();

  /** Makes a parser at the start of a stream. */
  public EventStreamParser() {}

  /**
   * Reads the next chunk of the stream.
   *
   * @param chunk the bytes that follow the ones fed so far, possibly empty
   * @return this parser
   */
  public EventStreamParser feed(byte[] chunk) {
    requireNonNull(chunk, "chunk");
    for (byte b : chunk) {
      decode(b & 0xFF);
    }
    return this;
  }

  /**
   * Reads the next chunk of the stream: the buffer's bytes from its position to its limit, leaving the position
   * at the limit.
   *
   * @param chunk the bytes that follow the ones fed so far, possibly none
   * @return this parser
   */
  public EventStreamParser feed(ByteBuffer chunk) {
    requireNonNull(chunk, "chunk");
    while (chunk.hasRemaining()) {
      decode(chunk.get() & 0xFF);
    }
    return this;
  }

  /**
   * Returns the events dispatched so far, oldest first.
   *
   * @return an unmodifiable copy
   */
  public List<MessageEvent> events() {
    return List.copyOf(events);
  }

  /**
   * Returns the comment lines read so far, oldest first, each without its leading {@code ':'} and, like a field
   * value, without one space after it: {@code ": ping"} and {@code ":ping"} both read as {@code "ping"}.
   *
   * @return an unmodifiable copy
   */
  public List<String> comments() {
    return List.copyOf(comments);
  }

  /**
   * Returns the reconnection time of the last valid {@code retry} field read so far. A value too large for a
   * {@code long} is ignored.
   *
   * @return the time in milliseconds, or empty if no valid {@code retry} field was read
   */
  public OptionalLong retry() {
    return reconnectionTime;
  }

  /**
   * Returns the last event id as of the last dispatch: what a browser would send as {@code Last-Event-ID} if it
   * reconnected now.
   *
   * @return the id, empty if none was set or it was reset
   */
  public String lastEventId() {
    return lastEventId;
  }

  /** The Encoding standard's UTF-8 decoder, one byte at a time, without the end-of-queue step. */
  private void decode(int b) {
    if (utf8BytesNeeded == 0) {
      if (b <= 0x7F) {
        codePoint(b);
      } else if (b >= 0xC2 && b <= 0xDF) {
        utf8BytesNeeded = 1;
        utf8CodePoint = b & 0x1F;
      } else if (b >= 0xE0 && b <= 0xEF) {
        if (b == 0xE0) {
          utf8LowerBoundary = 0xA0;
        } else if (b == 0xED) {
          utf8UpperBoundary = 0x9F;
        }
        utf8BytesNeeded = 2;
        utf8CodePoint = b & 0xF;
      } else if (b >= 0xF0 && b <= 0xF4) {
        if (b == 0xF0) {
          utf8LowerBoundary = 0x90;
        } else if (b == 0xF4) {
          utf8UpperBoundary = 0x8F;
        }
        utf8BytesNeeded = 3;
        utf8CodePoint = b & 0x7;
      } else {
        codePoint(REPLACEMENT_CHARACTER);
      }
      return;
    }
    if (b < utf8LowerBoundary || b > utf8UpperBoundary) {
      resetDecoder();
      codePoint(REPLACEMENT_CHARACTER);
      decode(b); // the standard puts the byte back in the queue
      return;
    }
    utf8LowerBoundary = 0x80;
    utf8UpperBoundary = 0xBF;
    utf8CodePoint = (utf8CodePoint << 6) | (b & 0x3F);
    if (++utf8BytesSeen == utf8BytesNeeded) {
      int cp = utf8CodePoint;
      resetDecoder();
      codePoint(cp);
    }
  }

  private void resetDecoder() {
    utf8CodePoint = 0;
    utf8BytesSeen = 0;
    utf8BytesNeeded = 0;
    utf8LowerBoundary = 0x80;
    utf8UpperBoundary = 0xBF;
  }

  /** Splits the decoded text into lines: CRLF, LF and CR each end one. */
  private void codePoint(int cp) {
    if (atStart) {
      atStart = false;
      if (cp == BOM) {
        return; // "UTF-8 decode" strips one leading BOM
      }
    }
    boolean crlf = afterCarriageReturn && cp == '\n';
    afterCarriageReturn = cp == '\r';
    if (crlf) {
      return; // the LF of a CRLF whose CR already ended the line
    }
    if (cp == '\r' || cp == '\n') {
      String complete = line.toString();
      line.setLength(0);
      processLine(complete);
    } else {
      line.appendCodePoint(cp);
    }
  }

  private void processLine(String text) {
    if (text.isEmpty()) {
      dispatch();
    } else if (text.charAt(0) == ':') {
      comments.add(stripOneSpace(text.substring(1)));
    } else {
      int colon = text.indexOf(':');
      if (colon >= 0) {
        processField(text.substring(0, colon), stripOneSpace(text.substring(colon + 1)));
      } else {
        processField(text, "");
      }
    }
  }

  private static String stripOneSpace(String value) {
    return value.startsWith(" ") ? value.substring(1) : value;
  }

  private void processField(String name, String value) {
    switch (name) {
      case "event" -> eventTypeBuffer = value;
      case "data" -> dataBuffer.append(value).append('\n');
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          lastEventIdBuffer = value;
        }
      }
      case "retry" -> {
        // "Only ASCII digits"; an empty value has no integer to set, so it is ignored too.
        if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
          try {
            reconnectionTime = OptionalLong.of(Long.parseLong(value));
          } catch (NumberFormatException tooLarge) {
            // ignored, as documented on retry()
          }
        }
      }
      default -> {
        // unknown fields are ignored
      }
    }
  }

  private void dispatch() {
    lastEventId = lastEventIdBuffer;
    if (dataBuffer.length() == 0) {
      eventTypeBuffer = "";
      return;
    }
    if (dataBuffer.charAt(dataBuffer.length() - 1) == '\n') {
      dataBuffer.setLength(dataBuffer.length() - 1);
    }
    String type = eventTypeBuffer.isEmpty() ? "message" : eventTypeBuffer;
    events.add(new MessageEvent(type, dataBuffer.toString(), lastEventId));
    dataBuffer.setLength(0);
    eventTypeBuffer = "";
  }

  /**
   * An event the parser dispatched, as a browser's {@code EventSource} would fire it.
   *
   * @param type the event type: the {@code event} field, or {@code "message"} when it was absent or empty
   * @param data the joined {@code data} lines, each line break read as LF, without the trailing LF
   * @param lastEventId the last event id at dispatch, which persists from earlier events until an {@code id}
   *     field changes it; empty if none was set
   */
  public record MessageEvent(String type, String data, String lastEventId) {

    /**
     * Makes an event.
     *
     * @param type the event type
     * @param data the data
     * @param lastEventId the last event id
     */
    public MessageEvent {
      requireNonNull(type, "type");
      requireNonNull(data, "data");
      requireNonNull(lastEventId, "lastEventId");
    }
  }
}
