package dev.herald.sse;

import static java.util.Objects.requireNonNull;

/**
 * How topic names and patterns are spelled, and how a pattern matches a name.
 *
 * <p>A <b>name</b> is one or more segments separated by {@code /}, such as {@code rooms/7} or
 * {@code orders/1234/status}. Every segment is non-empty (so no leading, trailing or doubled {@code /}), and no
 * character is a control character (U+0000 to U+001F, U+007F). The character {@code *} is reserved for patterns and
 * refused in a name. Names are compared exactly, case included.
 *
 * <p>A <b>pattern</b> is spelled as a name, except that a whole segment may be a wildcard:
 * <ul>
 *   <li>{@code *} matches exactly one segment: {@code rooms/*} matches {@code rooms/7}, not {@code rooms} nor
 *       {@code rooms/7/typing};
 *   <li>{@code **}, only as the last segment, matches one or more segments: {@code rooms/**} matches
 *       {@code rooms/7} and {@code rooms/7/typing}, not {@code rooms}; {@code **} alone matches every name.
 * </ul>
 * Anything else with a {@code *} is refused: {@code rooms/7*}, {@code a/**}{@code /b}, {@code ***}. The wildcards
 * are chosen to survive a URL's query string as they are ({@code #} would end it).
 *
 * <p>Every name is also a pattern, which matches only itself. How long a name may be, and how many topics and
 * patterns one client may have, are the broadcaster's limits ({@code TopicLimits} in {@code sse-core}).
 *
 * <p><b>Threading.</b> Stateless; every method may be called from any thread.
 */
public final class Topics {
  /** The wildcard segment that matches one segment. */
  public static final String ONE = "*";
  /** The wildcard segment that matches one or more segments, allowed only last. */
  public static final String REST = "**";

  private Topics() {}

  /**
   * Checks that a string is a topic name, not a pattern.
   *
   * @param name the string to check
   * @return {@code name}, if it is a name
   * @throws InvalidTopicException if it is not, with the reason
   */
  public static String checkName(String name) {
    if (check(name, "topic name")) {
      throw new InvalidTopicException("a topic name has no wildcard (use it as a pattern to subscribe): "
          + quote(name));
    }
    return name;
  }

  /**
   * Checks that a string is a topic pattern (which a plain name also is).
   *
   * @param pattern the string to check
   * @return {@code pattern}, if it is one
   * @throws InvalidTopicException if it is not, with the reason
   */
  public static String checkPattern(String pattern) {
    check(pattern, "topic pattern");
    return pattern;
  }

  /**
   * Tells whether a well-formed pattern has a wildcard, so matches more than one name.
   *
   * @param pattern a pattern that {@link #checkPattern} accepts
   * @return {@code true} if it has a {@code *} or {@code **} segment
   */
  public static boolean isWildcard(String pattern) {
    return pattern.indexOf('*') >= 0; // in a well-formed pattern, a '*' is only ever a wildcard segment
  }

  /**
   * Tells whether a pattern matches a name.
   *
   * @param pattern a pattern that {@link #checkPattern} accepts
   * @param name a name that {@link #checkName} accepts
   * @return {@code true} if an event published to {@code name} reaches a subscriber of {@code pattern}
   */
  public static boolean matches(String pattern, String name) {
    requireNonNull(pattern, "pattern");
    requireNonNull(name, "name");
    int p = 0;
    int n = 0;
    while (true) {
      int pEnd = segmentEnd(pattern, p);
      int nEnd = segmentEnd(name, n);
      boolean lastPattern = pEnd == pattern.length();
      boolean lastName = nEnd == name.length();
      if (lastPattern && pEnd - p == 2 && pattern.startsWith(REST, p)) {
        return true; // one or more segments: the name has at least this one
      }
      boolean one = pEnd - p == 1 && pattern.charAt(p) == '*';
      if (!one && (pEnd - p != nEnd - n || !pattern.regionMatches(p, name, n, pEnd - p))) {
        return false;
      }
      if (lastPattern || lastName) {
        return lastPattern && lastName;
      }
      p = pEnd + 1;
      n = nEnd + 1;
    }
  }

  /**
   * Tells whether a granted pattern covers a requested one: every name the requested pattern matches, the granted
   * one matches too. {@code rooms/**} covers {@code rooms/7}, {@code rooms/*} and {@code rooms/*}{@code /typing};
   * {@code rooms/*} covers {@code rooms/7} and {@code rooms/*} but not {@code rooms/**}.
   *
   * @param granted a pattern that {@link #checkPattern} accepts
   * @param requested a pattern (or name) that {@link #checkPattern} accepts
   * @return {@code true} if a client granted {@code granted} may subscribe to {@code requested}
   */
  public static boolean covers(String granted, String requested) {
    String[] grant = granted.split("/", -1);
    String[] asked = requested.split("/", -1);
    for (int i = 0; i < grant.length; i++) {
      if (grant[i].equals(REST)) {
        return asked.length > i; // one or more segments, whatever they are
      }
      if (i >= asked.length || asked[i].equals(REST) || !(grant[i].equals(ONE) || grant[i].equals(asked[i]))) {
        return false;
      }
    }
    return asked.length == grant.length;
  }

  private static int segmentEnd(String s, int from) {
    int slash = s.indexOf('/', from);
    return slash < 0 ? s.length() : slash;
  }

  /**
   * Checks the spelling of a name or pattern.
   *
   * @return whether it has a wildcard
   */
  private static boolean check(String s, String what) {
    requireNonNull(s, what);
    if (s.isEmpty()) {
      throw new InvalidTopicException("a " + what + " must not be empty");
    }
    boolean wildcard = false;
    int start = 0;
    for (int i = 0; i <= s.length(); i++) {
      char c = i < s.length() ? s.charAt(i) : '/';
      if (c < 0x20 || c == 0x7f) {
        throw new InvalidTopicException("a " + what + " must not have control characters: " + quote(s));
      }
      if (c != '/') {
        continue;
      }
      int length = i - start;
      if (length == 0) {
        throw new InvalidTopicException("a " + what + " must not have an empty segment (a leading, trailing or"
            + " doubled '/'): " + quote(s));
      }
      int stars = 0;
      for (int j = start; j < i; j++) {
        if (s.charAt(j) == '*') {
          stars++;
        }
      }
      if (stars > 0) {
        boolean one = length == 1;
        boolean rest = length == 2 && stars == 2;
        if (!one && !rest) {
          throw new InvalidTopicException("a '*' is a whole segment, '*' or '**', never part of one: " + quote(s));
        }
        if (rest && i != s.length()) {
          throw new InvalidTopicException("'**' may only be the last segment: " + quote(s));
        }
        wildcard = true;
      }
      start = i + 1;
    }
    return wildcard;
  }

  /** Quotes a string for a one-line message, its control characters escaped and its length cut. */
  static String quote(String s) {
    StringBuilder out = new StringBuilder(Math.min(s.length(), 80) + 2).append('"');
    for (int i = 0; i < s.length() && i < 80; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append(s.length() > 80 ? "...\"" : "\"").toString();
  }
}
