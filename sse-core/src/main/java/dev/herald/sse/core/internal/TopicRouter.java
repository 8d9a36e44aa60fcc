package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.InvalidTopicException;
import dev.herald.sse.TooManyStreamsException;
import dev.herald.sse.Topics;
import dev.herald.sse.core.TopicLimits;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A broadcaster's topics: checks subscriptions and publishes against the {@link TopicLimits}, keeps each client's
 * {@link ClientTopics} in the {@link TopicIndex}, and finds the clients a publish reaches.
 *
 * <p><b>Threading.</b> The checks are stateless and run on any thread, before the broadcaster's lock is taken; the
 * rest is guarded by that lock, which the broadcaster holds when it calls in, except for a change to one client's
 * topics ({@link #join}, {@link #leave}), which takes it here.
 */
final class TopicRouter {
  private final TopicLimits limits;
  private final ReentrantLock lock;
  private final TopicIndex index = new TopicIndex(); // guarded by lock
  private final Presence presence;
  private final Map<String, Set<DefaultChannel>> byIdentity = new HashMap<>(); // by identity key; guarded by lock

  TopicRouter(TopicLimits limits, ReentrantLock lock, Presence presence) {
    this.limits = requireNonNull(limits, "limits");
    this.lock = lock;
    this.presence = presence;
  }

  /** Adds topics to a client's subscription; see {@link dev.herald.sse.Broadcaster#join}. */
  boolean join(DefaultChannel channel, Collection<String> joined) {
    requireNonNull(joined, "topics");
    return change(channel, current -> with(current, joined));
  }

  /** Removes topics from a client's subscription; see {@link dev.herald.sse.Broadcaster#leave}. */
  boolean leave(DefaultChannel channel, Collection<String> left) {
    requireNonNull(left, "topics");
    return change(channel, current -> without(current, left));
  }

  /** A client's topics now; none once it has left. */
  Set<String> topicsOf(DefaultChannel channel) {
    lock.lock();
    try {
      return ClientSet.isMember(channel) ? channel.subscription.asSet() : Set.of();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Replaces a client's subscription under the broadcaster's lock, so that each publish sees it whole, before or
   * after; the change is computed under it too, from the subscription it replaces.
   */
  private boolean change(DefaultChannel channel, UnaryOperator<ClientTopics> change) {
    lock.lock();
    try {
      if (!ClientSet.isMember(channel)) {
        return false;
      }
      ClientTopics next = change.apply(channel.subscription);
      replace(channel, channel.subscription, next);
      channel.subscription = next;
      return true;
    } finally {
      lock.unlock();
      presence.tell();
    }
  }

  /**
   * Checks a client's topics, all of them before any is used, so that a refused client holds nothing.
   *
   * @throws InvalidTopicException with the reason if one is not well formed or they are over a limit
   */
  ClientTopics subscription(Collection<String> topics, @Nullable String identity) {
    ClientTopics none = identity == null ? ClientTopics.NONE
        : new ClientTopics(new String[0], 0, ClientTopics.identityKey(identity));
    return with(none, topics);
  }

  /**
   * Checks a client's topics with more added (a join): the same limits hold for the whole.
   *
   * @throws InvalidTopicException with the reason; the client's subscription is then unchanged
   */
  private ClientTopics with(ClientTopics current, Collection<String> added) {
    requireNonNull(added, "topics");
    if (added.isEmpty()) {
      return current;
    }
    Set<String> distinct = new LinkedHashSet<>(List.of(current.topics()));
    int patterns = current.patterns();
    for (String topic : added) {
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
    return distinct.size() == current.size() ? current : current.withTopics(distinct.toArray(String[]::new), patterns);
  }

  /** A client's topics with some removed (a leave); topics it does not have are ignored. */
  private static ClientTopics without(ClientTopics current, Collection<String> removed) {
    Set<String> remaining = new LinkedHashSet<>(List.of(current.topics()));
    if (!remaining.removeAll(Set.copyOf(removed))) {
      return current;
    }
    int patterns = (int) remaining.stream().filter(Topics::isWildcard).count();
    return current.withTopics(remaining.toArray(String[]::new), patterns);
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

  /**
   * The keys of a send to one identity.
   *
   * @throws IllegalArgumentException if the identity is empty
   */
  static String[] identityKeys(String identity) {
    requireNonNull(identity, "identity");
    if (identity.isEmpty()) {
      throw new IllegalArgumentException("an identity must not be empty");
    }
    return new String[] {ClientTopics.identityKey(identity)};
  }

  private String checkLength(String topic) {
    if (topic.length() > limits.maxNameLength()) {
      throw new InvalidTopicException("a topic may have at most " + limits.maxNameLength() + " characters; this one"
          + " has " + topic.length());
    }
    return topic;
  }

  /**
   * Under the lock: refuses a client whose identity has its limit of streams open already.
   *
   * @param maxStreams the identity's limit, 0 for none
   * @throws TooManyStreamsException if it is at its limit
   */
  void checkStreams(ClientTopics subscription, int maxStreams) {
    String key = subscription.identityKey();
    Set<DefaultChannel> open = key == null ? null : byIdentity.get(key);
    if (maxStreams > 0 && open != null && open.size() >= maxStreams) {
      throw new TooManyStreamsException(maxStreams);
    }
  }

  /** Under the lock: indexes a client's topics and identity. */
  void add(DefaultChannel channel, ClientTopics subscription) {
    for (String topic : subscription.topics()) {
      index(channel, topic);
    }
    String key = subscription.identityKey();
    if (key != null) {
      byIdentity.computeIfAbsent(key, k -> new LinkedHashSet<>(2)).add(channel);
    }
  }

  /** Under the lock: moves a client in the index from one subscription to the next, touching only what changed. */
  private void replace(DefaultChannel channel, ClientTopics from, ClientTopics to) {
    Set<String> before = Set.of(from.topics());
    Set<String> after = Set.of(to.topics());
    for (String topic : from.topics()) {
      if (!after.contains(topic)) {
        unindex(channel, topic);
      }
    }
    for (String topic : to.topics()) {
      if (!before.contains(topic)) {
        index(channel, topic);
      }
    }
  }

  /** Under the lock: removes a client's topics and identity from the index. */
  void remove(DefaultChannel channel, ClientTopics subscription) {
    for (String topic : subscription.topics()) {
      unindex(channel, topic);
    }
    String key = subscription.identityKey();
    Set<DefaultChannel> open = key == null ? null : byIdentity.get(key);
    if (open != null && open.remove(channel) && open.isEmpty()) {
      byIdentity.remove(key);
    }
  }

  private void index(DefaultChannel channel, String topic) {
    if (index.add(channel, topic)) {
      presence.joined(topic);
    }
  }

  private void unindex(DefaultChannel channel, String topic) {
    if (index.remove(channel, topic)) {
      presence.left(topic);
    }
  }

  /** Takes the lock: how many clients a publish to this name would reach now. */
  int subscribers(String name) {
    lock.lock();
    try {
      return targets(new String[] {name}).size();
    } finally {
      lock.unlock();
    }
  }

  /** Under the lock: the clients a publish to these names, or a send to one identity's key, reaches, each once. */
  List<DefaultChannel> targets(String[] names) {
    if (names.length == 1 && ClientTopics.isIdentityKey(names[0])) {
      return new ArrayList<>(byIdentity.getOrDefault(names[0], Set.of()));
    }
    List<DefaultChannel> out = new ArrayList<>();
    index.match(names, out);
    return out;
  }

  /** Under the lock: how many topics and patterns have at least one subscriber. */
  int topicCount() {
    return index.size();
  }

  /** Whether no client has a topic or an identity, so the index holds nothing; takes the lock. */
  boolean isEmpty() {
    lock.lock();
    try {
      return index.isEmpty() && byIdentity.isEmpty();
    } finally {
      lock.unlock();
    }
  }
}
