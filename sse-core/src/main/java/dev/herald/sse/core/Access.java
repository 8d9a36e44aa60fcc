package dev.herald.sse.core;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Topics;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An {@link Authorizer}'s decision on a request for an event stream: {@linkplain Granted granted}, with who the
 * client is and which topics it may have, or {@linkplain Refused refused} with {@code 401} or {@code 403} and a
 * one-line reason. The handshake acts on it before any byte of the stream is sent.
 *
 * <pre>{@code
 * Access.grant("bob", List.of("rooms/*", "users/bob"))      // bob, any room, his own topic
 *     .withSubscribed(List.of("users/bob"))                 // which he gets without asking
 *     .withMaxStreams(5);                                   // in at most 5 tabs at once
 * Access.unauthorized("sign in first");                     // 401
 * Access.forbidden("not a member of this room");            // 403
 * }</pre>
 *
 * <p>Values are immutable and safe to share between threads.
 */
public sealed interface Access permits Access.Granted, Access.Refused {

  /**
   * Returns the decision that grants any topic to an anonymous client: what a stream gets with no authorizer.
   *
   * @return the grant
   */
  static Granted anyone() {
    return Granted.ANYONE;
  }

  /**
   * Grants a client the topics these patterns cover, and gives it an identity.
   *
   * @param identity who the client is (what {@link dev.herald.sse.Broadcaster#sendTo} reaches), or {@code null}
   *     for anonymous
   * @param topics the names and patterns it may subscribe to; a request for a topic none of them
   *     {@linkplain Topics#covers covers} is refused with {@code 403}
   * @return the grant, with no stream limit and no topic subscribed without asking
   * @throws dev.herald.sse.InvalidTopicException if a pattern is not well formed
   */
  static Granted grant(@Nullable String identity, Collection<String> topics) {
    return new Granted(identity, List.copyOf(topics), List.of(), 0);
  }

  /**
   * Refuses a client that did not say who it is, or not convincingly: {@code 401}.
   *
   * @param reason one line, sent to the client
   * @return the refusal
   */
  static Refused unauthorized(String reason) {
    return new Refused(401, reason, null);
  }

  /**
   * Refuses a client that may not have this stream: {@code 403}.
   *
   * @param reason one line, sent to the client
   * @return the refusal
   */
  static Refused forbidden(String reason) {
    return new Refused(403, reason, null);
  }

  /**
   * A granted stream.
   *
   * @param identity who the client is, or {@code null} for anonymous
   * @param topics the names and patterns it may subscribe to, or {@code null} for any
   * @param subscribed topics it gets without asking, in addition to those it asks for (they need no grant: the
   *     application chose them)
   * @param maxStreams how many streams its identity may have open at once, this one included; 0 for no limit
   *     (over it, {@code 429})
   */
  record Granted(@Nullable String identity, @Nullable List<String> topics, List<String> subscribed, int maxStreams)
      implements Access {
    static final Granted ANYONE = new Granted(null, null, List.of(), 0);

    /**
     * Checks and copies the parts.
     *
     * @param identity not empty, or {@code null}
     * @param topics well-formed patterns, or {@code null}
     * @param subscribed well-formed patterns
     * @param maxStreams zero or more
     * @throws IllegalArgumentException if a part is not as described
     */
    public Granted {
      if (identity != null && identity.isEmpty()) {
        throw new IllegalArgumentException("an identity must not be empty");
      }
      if (topics != null) {
        topics = List.copyOf(topics);
        topics.forEach(Topics::checkPattern);
      }
      subscribed = List.copyOf(subscribed);
      subscribed.forEach(Topics::checkPattern);
      if (maxStreams < 0) {
        throw new IllegalArgumentException("maxStreams must not be negative: " + maxStreams);
      }
    }

    /**
     * Returns this grant with a limit on the identity's open streams.
     *
     * @param limit at least 1, or 0 for no limit
     * @return a new grant
     */
    public Granted withMaxStreams(int limit) {
      return new Granted(identity, topics, subscribed, limit);
    }

    /**
     * Returns this grant with topics the stream gets without asking for them (a user's own topic, the rooms it
     * joined earlier), so that a reconnecting browser, which asks again only for its URL's topics, has them too,
     * and has them replayed.
     *
     * @param topics names and patterns
     * @return a new grant
     */
    public Granted withSubscribed(Collection<String> topics) {
      return new Granted(identity, this.topics, List.copyOf(requireNonNull(topics, "topics")), maxStreams);
    }

    /**
     * Tells whether the client may subscribe to a topic or pattern.
     *
     * @param requested a well-formed name or pattern
     * @return {@code true} if any topic is granted, or a granted pattern covers it
     */
    public boolean allows(String requested) {
      List<String> granted = topics;
      return granted == null || granted.stream().anyMatch(pattern -> Topics.covers(pattern, requested));
    }
  }

  /**
   * A refused stream: its status, the reason sent as the body, and for a {@code 401} the challenge sent as
   * {@code WWW-Authenticate} (RFC 9110, section 11.6.1), which tells a client how to authenticate.
   *
   * @param status {@code 401} or {@code 403}
   * @param reason one line, not empty
   * @param challenge the {@code WWW-Authenticate} value of a {@code 401}, such as {@code Bearer realm="events"}, or
   *     {@code null} for none (a page that signs in with a cookie has no scheme to name)
   */
  record Refused(int status, String reason, @Nullable String challenge) implements Access {

    /**
     * Checks the parts.
     *
     * @param status {@code 401} or {@code 403}
     * @param reason one line, not empty
     * @param challenge one line, only with {@code 401}, or {@code null}
     * @throws IllegalArgumentException if not
     */
    public Refused {
      if (status != 401 && status != 403) {
        throw new IllegalArgumentException("a refusal is 401 or 403: " + status);
      }
      requireNonNull(reason, "reason");
      if (reason.isEmpty() || reason.indexOf('\n') >= 0 || reason.indexOf('\r') >= 0) {
        throw new IllegalArgumentException("a refusal's reason is one line, not empty: " + reason);
      }
      if (challenge != null && (status != 401 || challenge.isEmpty() || challenge.chars().anyMatch(c -> c < 0x20))) {
        throw new IllegalArgumentException("a challenge is one line, and only a 401's: " + challenge);
      }
    }

    /**
     * Returns this {@code 401} with a {@code WWW-Authenticate} challenge.
     *
     * @param challenge the header's value, one line
     * @return a new refusal
     * @throws IllegalArgumentException if this is not a {@code 401}, or the challenge is not one line
     */
    public Refused withChallenge(String challenge) {
      return new Refused(status, reason, requireNonNull(challenge, "challenge"));
    }
  }
}
