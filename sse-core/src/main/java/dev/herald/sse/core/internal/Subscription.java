package dev.herald.sse.core.internal;

import dev.herald.sse.Topics;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One client's topics, checked: the distinct names and patterns it subscribed to. A client with none hears
 * broadcasts only; every client hears every broadcast.
 *
 * <p><b>Threading.</b> Immutable. A client's subscription is replaced whole, under the broadcaster's lock, when its
 * topics change.
 */
final class Subscription {
  /** The subscription of a client with no topic. */
  static final Subscription NONE = new Subscription(new String[0], 0);

  private final String[] topics;
  private final int patterns;

  /**
   * Makes a subscription from checked topics.
   *
   * @param topics distinct names and patterns, each checked with {@link Topics#checkPattern}
   * @param patterns how many of them have a wildcard
   */
  Subscription(String[] topics, int patterns) {
    this.topics = topics;
    this.patterns = patterns;
  }

  /** The names and patterns, not to be modified. */
  String[] topics() {
    return topics;
  }

  /** The names and patterns, as an immutable set in their order. */
  Set<String> asSet() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(topics)));
  }

  /** How many topics there are. */
  int size() {
    return topics.length;
  }

  /** How many of the topics are patterns with a wildcard. */
  int patterns() {
    return patterns;
  }

  /**
   * Tells whether the client hears an event: a broadcast ({@code published} is {@code null}), or a publish to a
   * topic one of its names or patterns matches.
   *
   * @param published the topics an event was published to, or {@code null} for a broadcast
   */
  boolean hears(String @Nullable [] published) {
    if (published == null) {
      return true;
    }
    for (String topic : published) {
      for (String mine : topics) {
        if (mine.equals(topic) || (patterns > 0 && Topics.isWildcard(mine) && Topics.matches(mine, topic))) {
          return true;
        }
      }
    }
    return false;
  }
}
