package dev.herald.sse.core.internal;

import dev.herald.sse.Topics;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One client's topics, checked: the distinct names and patterns it subscribed to, and its identity's own key. A
 * client with none hears broadcasts only; every client hears every broadcast.
 *
 * <p>An identity is routed as a topic that no name or pattern can match: its key starts with a control character,
 * which names refuse, and is only ever compared whole, so {@code **} never reaches another user's events.
 *
 * <p><b>Threading.</b> Immutable. A client's topics are replaced whole, under the broadcaster's lock, when they
 * change.
 */
final class ClientTopics {
  /** The topics of a client with no topic and no identity. */
  static final ClientTopics NONE = new ClientTopics(new String[0], 0, null);
  private static final char IDENTITY = '\u0001';

  private final String[] topics;
  private final int patterns;
  private final @Nullable String identityKey;

  /**
   * Makes a client's topics from checked ones.
   *
   * @param topics distinct names and patterns, each checked with {@link Topics#checkPattern}
   * @param patterns how many of them have a wildcard
   * @param identityKey the {@link #identityKey key} of its identity, or {@code null}
   */
  ClientTopics(String[] topics, int patterns, @Nullable String identityKey) {
    this.topics = topics;
    this.patterns = patterns;
    this.identityKey = identityKey;
  }

  /** The key under which the events sent to an identity are routed and kept. */
  static String identityKey(String identity) {
    return IDENTITY + identity;
  }

  /** Whether a key is an identity's, not a topic's. */
  static boolean isIdentityKey(String key) {
    return !key.isEmpty() && key.charAt(0) == IDENTITY;
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

  /** The key of the client's identity, or {@code null} if it has none. */
  @Nullable String identityKey() {
    return identityKey;
  }

  /** Whether the client hears broadcasts and nothing else. */
  boolean hearsBroadcastsOnly() {
    return topics.length == 0 && identityKey == null;
  }

  /** The same client with other topics. */
  ClientTopics withTopics(String[] newTopics, int newPatterns) {
    return new ClientTopics(newTopics, newPatterns, identityKey);
  }

  /**
   * Tells whether the client hears an event: a broadcast ({@code published} is {@code null}), a publish to a topic
   * one of its names or patterns matches, or a send to its identity.
   *
   * @param published the keys an event was published to, or {@code null} for a broadcast
   */
  boolean hears(String @Nullable [] published) {
    if (published == null) {
      return true;
    }
    for (String key : published) {
      if (isIdentityKey(key)) {
        if (key.equals(identityKey)) {
          return true;
        }
        continue;
      }
      for (String mine : topics) {
        if (mine.equals(key) || (patterns > 0 && Topics.isWildcard(mine) && Topics.matches(mine, key))) {
          return true;
        }
      }
    }
    return false;
  }
}
