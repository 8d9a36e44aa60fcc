package dev.herald.sse.core;

/**
 * The limits on a broadcaster's topics: how many topics and patterns one client may subscribe to, and how long a
 * name or pattern may be. A subscription over a limit is refused whole (the handshake answers {@code 400} with the
 * reason), so a request can never make the broadcaster hold more than these per client.
 *
 * <pre>{@code
 * BroadcasterConfig config = BroadcasterConfig.builder()
 *     .topicLimits(new TopicLimits(16, 2, 128))
 *     .build();
 * }</pre>
 *
 * <p>What the limits bound: a topic with one subscriber costs the broadcaster about 320 bytes of heap (its node in
 * the topic index, the subscriber set, the client's array of topics; measured with 100,000 topics by
 * {@code sse-bench}'s {@code topic-memory}), a further subscriber of it an entry in that set, and a topic that nobody
 * has nothing. Its history (see {@link BroadcasterConfig.Builder#historyPerTopic(int)}) is bounded apart.
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * @param maxTopicsPerClient how many topics (names and patterns together) one client may have; default 64
 * @param maxPatternsPerClient how many of those may be patterns with a wildcard, each of which every publish is
 *     matched against; default 8
 * @param maxNameLength how many characters a topic name or pattern may have, in a subscription and in a publish;
 *     default 256
 */
public record TopicLimits(int maxTopicsPerClient, int maxPatternsPerClient, int maxNameLength) {
  private static final TopicLimits DEFAULTS = new TopicLimits(64, 8, 256);

  /**
   * Checks the limits.
   *
   * @param maxTopicsPerClient at least 1
   * @param maxPatternsPerClient between 0 and {@code maxTopicsPerClient}
   * @param maxNameLength at least 1
   * @throws IllegalArgumentException if {@code maxTopicsPerClient} or {@code maxNameLength} is less than 1, or
   *     {@code maxPatternsPerClient} is negative or more than {@code maxTopicsPerClient}
   */
  public TopicLimits {
    if (maxTopicsPerClient < 1) {
      throw new IllegalArgumentException("maxTopicsPerClient must be at least 1: " + maxTopicsPerClient);
    }
    if (maxPatternsPerClient < 0 || maxPatternsPerClient > maxTopicsPerClient) {
      throw new IllegalArgumentException("maxPatternsPerClient must be between 0 and maxTopicsPerClient ("
          + maxTopicsPerClient + "): " + maxPatternsPerClient);
    }
    if (maxNameLength < 1) {
      throw new IllegalArgumentException("maxNameLength must be at least 1: " + maxNameLength);
    }
  }

  /**
   * Returns the defaults named on each component.
   *
   * @return 64 topics, 8 of them patterns, of at most 256 characters each
   */
  public static TopicLimits defaults() {
    return DEFAULTS;
  }
}
