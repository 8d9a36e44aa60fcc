package dev.herald.sse.core;

/**
 * What a broadcast does with a client whose queue is full.
 *
 * <p>A full queue means the client reads more slowly than events arrive. The policy decides who pays: the
 * client's connection, the newest event, or the oldest queued one. It never makes the broadcast wait.
 */
public enum OverflowPolicy {
  /**
   * Closes the client with {@link dev.herald.sse.CloseReason#SLOW_CONSUMER}. The default: the client's
   * {@code EventSource} reconnects with its {@code Last-Event-ID} and, with a replay history, catches up without
   * loss, and the server holds nothing for a client that cannot keep up.
   */
  DISCONNECT,
  /** Drops the event that did not fit, for this client only; the client stays connected and misses it. */
  DROP_NEWEST,
  /**
   * Drops the oldest queued events for this client until the new one fits; the client stays connected and sees
   * the most recent events.
   */
  DROP_OLDEST
}
