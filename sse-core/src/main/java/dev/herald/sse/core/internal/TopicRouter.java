package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.InvalidTopicException;
import dev.herald.sse.Topics;
import dev.herald.sse.core.TopicLimits;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A broadcaster's topics: checks subscriptions and publishes against the {@link TopicLimits}, keeps each client's
 * {@link Subscription} in the {@link TopicIndex}, and finds the clients a publish reaches.
 *
 * <p><b>Threading.</b> The checks are stateless and run on any thread, before the broadcaster's lock is taken; the
 * rest is guarded by that lock.
 */
final class TopicRouter {
  private final TopicLimits limits;
  private final TopicIndex index = new TopicIndex();

  TopicRouter(TopicLimits limits) {
    this.limits = requireNonNull(limits, "limits");
  }

  /**
   * Checks a client's topics, all of them before any is used, so that a refused client holds nothing.
   *
   * @throws InvalidTopicException with the reason if one is not well formed or they are over a limit
   */
  Subscription subscription(Collection<String> topics) {
    requireNonNull(topics, "topics");
    if (topics.isEmpty()) {
      return Subscription.NONE;
    }
    Set<String> distinct = new LinkedHashSet<>();
    int patterns = 0;
    for (String topic : topics) {
      checkLength(Topics.checkPattern(requireNonNull(topic, "topic")));
      if (distinct.add(topic) && Topics.isWildcard(topic)) {
        patterns++;
      }
      if (distinct.size() > limits.maxTopicsPerClient()) {
        throw new InvalidTopicException("too many topics: a client may have at most " + limits.maxTopicsPerClient());
      }
    }
    if (patterns > limits.maxPatternsPerClient()) {
      throw new InvalidTopicException(limits.maxPatternsPerClient() == 0 ? "topic patterns are not allowed"
          : "too many topic patterns: a client may have at most " + limits.maxPatternsPerClient());
    }
    return new Subscription(distinct.toArray(String[]::new), patterns);
  }

  /**
   * Checks the topics of a publish: names, not patterns, at least one.
   *
   * @return the distinct names
   * @throws InvalidTopicException with the reason
   */
  String[] names(Collection<String> topics) {
    requireNonNull(topics, "topics");
    if (topics.isEmpty()) {
      throw new InvalidTopicException("a publish needs at least one topic");
    }
    Set<String> distinct = new LinkedHashSet<>();
    for (String topic : topics) {
      distinct.add(checkLength(Topics.checkName(requireNonNull(topic, "topic"))));
    }
    return distinct.toArray(String[]::new);
  }

  private String checkLength(String topic) {
    if (topic.length() > limits.maxNameLength()) {
      throw new InvalidTopicException("a topic may have at most " + limits.maxNameLength() + " characters; this one"
          + " has " + topic.length());
    }
    return topic;
  }

  /** Under the lock: indexes a client's topics. */
  void add(DefaultChannel channel, Subscription subscription) {
    for (String topic : subscription.topics()) {
      index.add(channel, topic);
    }
  }

  /** Under the lock: removes a client's topics from the index. */
  void remove(DefaultChannel channel, Subscription subscription) {
    for (String topic : subscription.topics()) {
      index.remove(channel, topic);
    }
  }

  /** Under the lock: the clients a publish to these names reaches, each once. */
  List<DefaultChannel> targets(String[] names) {
    List<DefaultChannel> out = new ArrayList<>();
    index.match(names, out);
    return out;
  }

  /** Under the lock: whether no client has a topic. */
  boolean isEmpty() {
    return index.isEmpty();
  }
}
