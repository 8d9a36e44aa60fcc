package dev.herald.sse.core;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import dev.herald.sse.Event;
import dev.herald.sse.core.internal.ByteFrame;
import dev.herald.sse.spi.Frame;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Encodes {@link Event}s into {@link Frame}s: the UTF-8 bytes of the {@code text/event-stream} format, exactly as
 * the WHATWG HTML standard's parser reads them back.
 *
 * <p>The rules it follows:
 *
 * <ul>
 *   <li>{@code data} is split at every line break (LF, CR and CRLF alike) into one {@code data:} line per line,
 *       so the client reads back the original text with each break as LF; an empty payload is one {@code data:}
 *       line, and a payload that ends with a break ends with an empty {@code data:} line;
 *   <li>a non-empty value is written after {@code ": "}: the client strips exactly that one space, so a value
 *       that itself begins with a space keeps it;
 *   <li>{@code id}, {@code event} and {@code retry} (whole milliseconds) come first, one line each, and only when
 *       set; an empty id is written as {@code id:} and resets the client's last event id;
 *   <li>comments become {@code :} lines, split at line breaks the same way;
 *   <li>every event ends with one blank line, and nothing else is written between events;
 *   <li>text is UTF-8; a lone surrogate, which UTF-8 cannot carry, becomes U+FFFD, as a decoder would read it.
 * </ul>
 *
 * <p>Each call makes one byte array of the exact size, with no intermediate strings.
 *
 * <p><b>Threading.</b> Stateless and safe to call from any thread.
 */
public final class EventEncoder {
  private static final byte[] DATA = ascii("data");
  private static final byte[] EVENT = ascii("event");
  private static final byte[] ID = ascii("id");
  private static final byte[] RETRY = ascii("retry");
  private static final byte[] NONE = new byte[0];

  private EventEncoder() {}

  /**
   * Encodes one event.
   *
   * @param event the event to encode
   * @return a new frame holding the event's exact bytes
   */
  public static Frame encode(Event event) {
    requireNonNull(event, "event");
    return new ByteFrame(encodeToBytes(event));
  }

  /**
   * Encodes one event into a new byte array.
   *
   * @param event the event to encode
   * @return the event's exact bytes, in a new array the caller owns
   */
  public static byte[] encodeToBytes(Event event) {
    requireNonNull(event, "event");
    if (event instanceof Data data) {
      String retry = retryText(data.retry());
      int size = fieldSize(ID, data.id()) + fieldSize(EVENT, data.name()) + fieldSize(RETRY, retry)
          + linesSize(DATA, data.data()) + 1;
      Writer out = new Writer(size);
      out.field(ID, data.id());
      out.field(EVENT, data.name());
      out.field(RETRY, retry);
      out.lines(DATA, data.data());
      out.newline();
      return out.done();
    }
    Comment comment = (Comment) event;
    Writer out = new Writer(linesSize(NONE, comment.text()) + 1);
    out.lines(NONE, comment.text());
    out.newline();
    return out.done();
  }

  private static @Nullable String retryText(@Nullable Duration retry) {
    return retry == null ? null : Long.toString(retry.toMillis());
  }

  /** The size of {@code name: value\n} (or {@code name:\n} for an empty value), or 0 for a null value. */
  private static int fieldSize(byte[] name, @Nullable String value) {
    if (value == null) {
      return 0;
    }
    return lineSize(name, value, 0, value.length());
  }

  private static int lineSize(byte[] name, String text, int from, int to) {
    // name + ':' + (' ' + value if non-empty) + '\n'
    return name.length + 1 + (to > from ? 1 + utf8Length(text, from, to) : 0) + 1;
  }

  /** The size of {@code text} written as one {@code name:} line per line. */
  private static int linesSize(byte[] name, String text) {
    int size = 0;
    int start = 0;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\n' || c == '\r') {
        size += lineSize(name, text, start, i);
        if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
          i++;
        }
        start = i + 1;
      }
    }
    return size + lineSize(name, text, start, n);
  }

  private static int utf8Length(String s, int from, int to) {
    int length = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        length += 1;
      } else if (c < 0x800) {
        length += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
        length += 4;
        i++;
      } else {
        length += 3; // a BMP character, or a lone surrogate written as U+FFFD
      }
    }
    return length;
  }

  private static byte[] ascii(String s) {
    byte[] bytes = new byte[s.length()];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) s.charAt(i);
    }
    return bytes;
  }

  /** Fills an array of a size computed beforehand. */
  private static final class Writer {
    private final byte[] bytes;
    private int position;

    Writer(int size) {
      bytes = new byte[size];
    }

    void field(byte[] name, @Nullable String value) {
      if (value != null) {
        line(name, value, 0, value.length());
      }
    }

    void lines(byte[] name, String text) {
      int start = 0;
      int n = text.length();
      for (int i = 0; i < n; i++) {
        char c = text.charAt(i);
        if (c == '\n' || c == '\r') {
          line(name, text, start, i);
          if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
            i++;
          }
          start = i + 1;
        }
      }
      line(name, text, start, n);
    }

    private void line(byte[] name, String text, int from, int to) {
      System.arraycopy(name, 0, bytes, position, name.length);
      position += name.length;
      bytes[position++] = ':';
      if (to > from) {
        bytes[position++] = ' ';
        utf8(text, from, to);
      }
      newline();
    }

    void newline() {
      bytes[position++] = '\n';
    }

    private void utf8(String s, int from, int to) {
      byte[] b = bytes;
      int p = position;
      for (int i = from; i < to; i++) {
        char c = s.charAt(i);
        if (c < 0x80) {
          b[p++] = (byte) c;
        } else if (c < 0x800) {
          b[p++] = (byte) (0xC0 | (c >> 6));
          b[p++] = (byte) (0x80 | (c & 0x3F));
        } else if (Character.isSurrogate(c)) {
          if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
            int cp = Character.toCodePoint(c, s.charAt(++i));
            b[p++] = (byte) (0xF0 | (cp >> 18));
            b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
            b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            b[p++] = (byte) (0x80 | (cp & 0x3F));
          } else {
            b[p++] = (byte) 0xEF; // U+FFFD REPLACEMENT CHARACTER
            b[p++] = (byte) 0xBF;
            b[p++] = (byte) 0xBD;
          }
        } else {
          b[p++] = (byte) (0xE0 | (c >> 12));
          b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
          b[p++] = (byte) (0x80 | (c & 0x3F));
        }
      }
      position = p;
    }

    byte[] done() {
      if (position != bytes.length) {
        throw new AssertionError("encoded " + position + " bytes into " + bytes.length);
      }
      return bytes;
    }
  }
}
