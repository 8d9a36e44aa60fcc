package dev.herald.sse;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a new client of a {@link Broadcaster} asks for and is: where it resumes, its topics, and who it is. The
 * handshake makes one from the request and the application's authorization decision, and hands it to
 * {@link Broadcaster#register(Subscription)}.
 *
 * <pre>{@code
 * Subscription.of(lastEventId, List.of("rooms/7")).withIdentity("bob", 5);   // bob, in room 7, at most 5 streams
 * }</pre>
 *
 * <p>Immutable, and safe to share between threads.
 *
 * @param lastEventId the id to resume after, or {@code null} for none (an empty one is none)
 * @param topics the topic names and patterns ({@link Topics}), checked by the broadcaster against its limits
 * @param identity who the client is, so that {@link Broadcaster#sendTo} reaches it; {@code null} for anonymous
 * @param maxStreamsPerIdentity how many streams this identity may have open on the broadcaster at once, counting
 *     this one; 0 for no limit
 */
public record Subscription(
    @Nullable String lastEventId, List<String> topics, @Nullable String identity, int maxStreamsPerIdentity) {

  /**
   * Checks and copies the parts.
   *
   * @param lastEventId the id to resume after, or {@code null}
   * @param topics the topics, copied
   * @param identity the identity, not empty, or {@code null}
   * @param maxStreamsPerIdentity zero or more
   * @throws IllegalArgumentException if {@code identity} is empty or {@code maxStreamsPerIdentity} negative
   */
  public Subscription {
    lastEventId = lastEventId == null || lastEventId.isEmpty() ? null : lastEventId;
    topics = List.copyOf(topics);
    if (identity != null && identity.isEmpty()) {
      throw new IllegalArgumentException("an identity must not be empty");
    }
    if (maxStreamsPerIdentity < 0) {
      throw new IllegalArgumentException("maxStreamsPerIdentity must not be negative: " + maxStreamsPerIdentity);
    }
  }

  /**
   * Makes an anonymous subscription.
   *
   * @param lastEventId the id to resume after, or {@code null}
   * @param topics the topic names and patterns
   * @return the subscription, with no identity
   */
  public static Subscription of(@Nullable String lastEventId, Collection<String> topics) {
    return new Subscription(lastEventId, List.copyOf(requireNonNull(topics, "topics")), null, 0);
  }

  /**
   * Returns this subscription for a known client.
   *
   * @param identity who the client is, not empty
   * @param maxStreams how many streams it may have open at once, 0 for no limit
   * @return a new subscription
   */
  public Subscription withIdentity(String identity, int maxStreams) {
    return new Subscription(lastEventId, topics, requireNonNull(identity, "identity"), maxStreams);
  }
}
