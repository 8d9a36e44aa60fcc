package dev.herald.sse;

import static java.util.Objects.requireNonNull;

/**
 * A comment line ({@code : text}) that a client reads and ignores; it keeps idle connections and the proxies
 * between them open.
 *
 * <p>Any text is valid: line breaks (LF, CR or CRLF) become one comment line each on the wire.
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * @param text the comment, possibly empty and possibly spanning lines
 */
public record Comment(String text) implements Event {

  /**
   * Makes a comment.
   *
   * @param text the comment, possibly empty and possibly spanning lines
   * @throws NullPointerException if {@code text} is null
   */
  public Comment {
    requireNonNull(text, "text");
  }

  /**
   * Returns a comment with this text.
   *
   * @param text the comment, possibly empty and possibly spanning lines
   * @return a new comment
   * @throws NullPointerException if {@code text} is null
   */
  public static Comment of(String text) {
    return new Comment(text);
  }
}
