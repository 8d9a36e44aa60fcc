package dev.herald.sse.core;

import dev.herald.sse.Sender;

/**
 * Called when a client reconnects with a {@code Last-Event-ID} that the replay history no longer (or never) held,
 * so it may have missed events that cannot be given to it.
 *
 * <p>The client is already subscribed and will get live events. A handler can tell it so (for example with an
 * event that makes the page reload its state), close it, or just record the miss. Every miss is also counted in
 * {@link dev.herald.sse.BroadcasterStats#replayMisses()}.
 *
 * <p><b>Threading.</b> Runs on the thread that subscribed the client (a transport's I/O thread), after the
 * subscription; on a clustered broadcaster whose replay had to be read from the backplane, on the backplane's
 * thread when the answer came. Keep it short. An exception it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface ReplayMissHandler {

  /**
   * Handles one miss.
   *
   * @param client the client that reconnected
   * @param lastEventId the id it sent, which the history did not hold
   */
  void onMiss(Sender client, String lastEventId);
}
