package dev.herald.sse;

import static java.util.Objects.requireNonNull;

import java.io.IOException;

/**
 * Thrown (or used to complete a {@link java.util.concurrent.CompletionStage} exceptionally) when an event is sent
 * to a client whose stream has ended.
 *
 * <p>This is the expected end of every stream, not a fault: log it at debug level, if at all.
 */
public final class ClientGoneException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why the stream ended. */
  private final CloseReason reason;

  /**
   * Makes an exception for a stream that ended for this reason.
   *
   * @param reason why the stream ended
   */
  public ClientGoneException(CloseReason reason) {
    super("client gone: " + requireNonNull(reason, "reason"));
    this.reason = reason;
  }

  /**
   * Returns why the stream ended.
   *
   * @return the reason the stream was closed
   */
  public CloseReason reason() {
    return reason;
  }
}
