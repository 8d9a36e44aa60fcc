package dev.herald.sse;

/**
 * Thrown (or the cause of a failed stage) when a clustered {@link Broadcaster} cannot publish an event because the
 * shared log its nodes exchange events through (its backplane, for example Redis) is unreachable.
 *
 * <p>A clustered broadcaster fails fast rather than buffering: while the backplane is down,
 * {@link Broadcaster#broadcast(Event)} throws this exception at once and {@link Broadcaster#broadcastPaced(Event)}
 * returns a stage already failed with it; an event whose publication was under way when the backplane went away
 * fails its stage with it too, and may or may not have been appended. Clients stay connected through the outage and
 * receive events again once the backplane is back. Retrying is the caller's choice.
 */
public final class BackplaneUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Makes an exception with this message.
   *
   * @param message what was unreachable and why
   */
  public BackplaneUnavailableException(String message) {
    super(message);
  }

  /**
   * Makes an exception with this message and cause.
   *
   * @param message what was unreachable and why
   * @param cause the backplane client's failure
   */
  public BackplaneUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
