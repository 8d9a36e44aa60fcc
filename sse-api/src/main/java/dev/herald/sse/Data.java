package dev.herald.sse;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * An event that the client dispatches: a {@code data} payload with an optional event {@code name}, {@code id}
 * and {@code retry} time.
 *
 * <p>Any text is a valid payload: line breaks (LF, CR or CRLF) become one {@code data:} line each on the wire,
 * and the client joins them back with LF. The other fields end up on a single line, so they are checked here:
 *
 * <ul>
 *   <li>{@code name} (the {@code event:} field) must not contain CR or LF;
 *   <li>{@code id} must not contain CR, LF or NUL (a client ignores an id with NUL); an empty id is allowed and
 *       resets the client's last event id;
 *   <li>{@code retry} must be zero or positive and a whole number of milliseconds.
 * </ul>
 *
 * <p>A bad field fails with an {@link IllegalArgumentException} that names it; a {@code null} where a value is
 * required fails with a {@link NullPointerException} that names the parameter.
 *
 * <pre>{@code
 * Data.of("score: 3-1")
 *     .withName("score")
 *     .withId("1042")
 *     .withRetry(Duration.ofSeconds(5));
 * }</pre>
 *
 * <p>Instances are immutable and safe to share between threads; the {@code with…} methods return new ones.
 *
 * @param data the payload, possibly empty and possibly spanning lines
 * @param name the event type ({@code event:} field), or {@code null} for the default {@code message}
 * @param id the event id ({@code id:} field), or {@code null} to send none
 * @param retry the client's reconnection time ({@code retry:} field), or {@code null} to send none
 */
public record Data(String data, @Nullable String name, @Nullable String id, @Nullable Duration retry)
    implements Event {

  /**
   * Makes an event after checking every field against the rules in the type's description.
   *
   * @param data the payload, possibly empty and possibly spanning lines
   * @param name the event type, or {@code null}; no CR or LF
   * @param id the event id, or {@code null}; no CR, LF or NUL
   * @param retry the reconnection time, or {@code null}; zero or more whole milliseconds
   * @throws NullPointerException if {@code data} is null
   * @throws IllegalArgumentException if a field breaks a rule
   */
  public Data {
    requireNonNull(data, "data");
    if (name != null) {
      checkSingleLine(name, "name");
    }
    if (id != null) {
      checkSingleLine(id, "id");
      if (id.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("id must not contain NUL: " + quote(id));
      }
    }
    if (retry != null) {
      if (retry.isNegative()) {
        throw new IllegalArgumentException("retry must not be negative: " + retry);
      }
      if (retry.getNano() % 1_000_000 != 0) {
        throw new IllegalArgumentException("retry must be a whole number of milliseconds: " + retry);
      }
      try {
        retry.toMillis();
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("retry is too long to send in milliseconds: " + retry, e);
      }
    }
  }

  /**
   * Returns an event with this payload and no name, id or retry.
   *
   * @param data the payload, possibly empty and possibly spanning lines
   * @return a new event
   * @throws NullPointerException if {@code data} is null
   */
  public static Data of(String data) {
    return new Data(data, null, null, null);
  }

  /**
   * Returns a copy with this event name ({@code event:} field).
   *
   * @param name the event type the client dispatches, or {@code null} for the default {@code message}
   * @return a new event
   * @throws IllegalArgumentException if {@code name} contains CR or LF
   */
  public Data withName(@Nullable String name) {
    return new Data(data, name, id, retry);
  }

  /**
   * Returns a copy with this event id ({@code id:} field).
   *
   * @param id the id the client reports as {@code Last-Event-ID} when it reconnects; empty resets it;
   *     {@code null} sends no id
   * @return a new event
   * @throws IllegalArgumentException if {@code id} contains CR, LF or NUL
   */
  public Data withId(@Nullable String id) {
    return new Data(data, name, id, retry);
  }

  /**
   * Returns a copy with this reconnection time ({@code retry:} field).
   *
   * @param retry how long the client waits before reconnecting, or {@code null} to send none
   * @return a new event
   * @throws IllegalArgumentException if {@code retry} is negative or not a whole number of milliseconds
   */
  public Data withRetry(@Nullable Duration retry) {
    return new Data(data, name, id, retry);
  }

  private static void checkSingleLine(String value, String field) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\n' || c == '\r') {
        throw new IllegalArgumentException(field + " must not contain CR or LF: " + quote(value));
      }
    }
  }

  static String quote(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length() && i < 64; i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\0' -> out.append("\\0");
        case '"' -> out.append("\\\"");
        default -> out.append(c);
      }
    }
    if (value.length() > 64) {
      out.append("...");
    }
    return out.append('"').toString();
  }
}
