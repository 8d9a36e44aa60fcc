package dev.herald.sse;

/**
 * Thrown when a topic name or pattern is not well formed, or a subscription is over a limit (too many topics or
 * patterns, a name too long). Its message is a one-line reason meant for the client: the handshake answers such a
 * request with {@code 400 Bad Request} and the message as the body, and subscribes nothing.
 *
 * @see Topics for how names and patterns are spelled
 */
public final class InvalidTopicException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Makes an exception with a one-line reason.
   *
   * @param reason what is wrong, in one line, fit to show the client
   */
  public InvalidTopicException(String reason) {
    super(reason);
  }
}
