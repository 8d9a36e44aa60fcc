package dev.herald.sse;

/**
 * Thrown when a client subscribes to a {@link Broadcaster} as an identity that already has as many streams open as
 * its authorization allows ({@link Subscription#maxStreamsPerIdentity()}). The handshake answers such a request with
 * {@code 429 Too Many Requests} and the message as the reason.
 */
public final class TooManyStreamsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Makes an exception for an identity at its limit.
   *
   * @param limit the streams it may have open at once
   */
  public TooManyStreamsException(int limit) {
    super("too many streams for this user: at most " + limit + " may be open at once");
  }
}
