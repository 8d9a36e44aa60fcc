package dev.herald.sse.redis;

import java.util.Comparator;
import org.jspecify.annotations.Nullable;

/**
 * Redis stream entry ids ({@code <milliseconds>-<sequence>}, two unsigned 64-bit numbers) and their order, which is
 * the order of the stream.
 */
final class StreamIds {
  /** Orders ids as Redis does; throws {@link IllegalArgumentException} for a string that is not an id. */
  static final Comparator<String> ORDER = StreamIds::compare;

  private StreamIds() {}

  /**
   * Compares two ids, allocating nothing: every node's history keeps the ids it records in a tree map in this order,
   * some twenty comparisons per event recorded and as many per event evicted, whatever the node's clients.
   */
  static int compare(String a, String b) {
    int dashA = dash(a);
    int dashB = dash(b);
    int byTime = Long.compareUnsigned(number(a, 0, dashA), number(b, 0, dashB));
    int bySequence = Long.compareUnsigned(number(a, dashA + 1, a.length()), number(b, dashB + 1, b.length()));
    return byTime != 0 ? byTime : bySequence; // both parsed, so that a sequence too large is never an id
  }

  /**
   * Returns the id Redis generated just before this one, when the id alone tells. Redis makes an id for
   * {@code XADD *} from the stream's last id: {@code <now>-0} in a new millisecond, else {@code <ms>-<seq + 1>}. So
   * {@code <ms>-<seq>} with a sequence above 0 was generated right after {@code <ms>-<seq - 1>}; one with sequence
   * 0 follows an id that it does not tell. (An id a client chose itself, {@code XADD key <ms>-<seq>}, need not
   * follow this rule.)
   *
   * @param id a stream id
   * @return {@code <ms>-<seq - 1>}, or {@code null} if the sequence is 0
   * @throws IllegalArgumentException if it is not an id
   */
  static @Nullable String predecessor(String id) {
    long[] parsed = parse(id);
    return parsed[1] == 0 ? null
        : Long.toUnsignedString(parsed[0]) + "-" + Long.toUnsignedString(parsed[1] - 1);
  }

  static boolean isId(String id) {
    try {
      parse(id);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static long[] parse(String id) {
    int dash = dash(id);
    return new long[] {number(id, 0, dash), number(id, dash + 1, id.length())};
  }

  /** The place of an id's dash, once its two parts are known to be digits. */
  private static int dash(String id) {
    int dash = id.indexOf('-');
    if (dash <= 0 || dash == id.length() - 1 || !digits(id, 0, dash) || !digits(id, dash + 1, id.length())) {
      throw new IllegalArgumentException("not a Redis stream id: " + id);
    }
    return dash;
  }

  /** One part of an id, digits known: an unsigned 64-bit number, or not an id if it is larger. */
  private static long number(String id, int from, int to) {
    try {
      return Long.parseUnsignedLong(id, from, to, 10);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a Redis stream id: " + id, e);
    }
  }

  private static boolean digits(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
