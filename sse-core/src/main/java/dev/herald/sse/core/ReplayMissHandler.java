package dev.herald.sse.core;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Data;
import dev.herald.sse.Event;
import dev.herald.sse.Sender;
import org.slf4j.LoggerFactory;

/**
 * Called when a client reconnects with a {@code Last-Event-ID} that the replay history no longer (or never) held,
 * so it may have missed events that cannot be given to it.
 *
 * <p>On a clustered broadcaster it is also called for each connected client when the backplane reports a gap:
 * its shared log lost entries that this node had not delivered yet (a Redis stream trimmed them while this node
 * fell behind), so every client of this node missed them. The client is then told before it gets the first entry
 * after the gap, and {@code lastEventId} is the id of the last entry delivered before it. Gaps are counted in
 * {@link dev.herald.sse.BroadcasterStats#backplaneGaps()}, not as replay misses.
 *
 * <p>The client is already subscribed and will get live events. A handler can tell it so (for example with an
 * event that makes the page reload its state), close it, or just record the miss. Every miss is also counted in
 * {@link dev.herald.sse.BroadcasterStats#replayMisses()}.
 *
 * <p>The default, {@link #sendReset()}, tells the client with a {@link #RESET} event, so a client that reconnects
 * to a restarted server (whose history is empty) learns that its id is unknown instead of waiting for events that
 * will never be replayed:
 *
 * <pre>{@code
 * const source = new EventSource("/events");
 * source.addEventListener("reset", () => reloadState());   // the server could not replay what we missed
 * }</pre>
 *
 * <p><b>Threading.</b> Runs on the thread that subscribed the client (a transport's I/O thread), after the
 * subscription; on a clustered broadcaster whose replay had to be read from the backplane, on the backplane's
 * thread when the answer came; for a gap, on the backplane's thread, which delivers no entry until the handler
 * has returned for every client. Keep it short. An exception it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface ReplayMissHandler {

  /**
   * The event {@link #sendReset()} sends: named {@code reset}, with empty data and an empty id. The empty id clears
   * the client's last event id, so its next reconnection does not send the unknown id again.
   */
  Data RESET = Data.of("").withName("reset").withId("");

  /**
   * Handles one miss.
   *
   * @param client the client that reconnected, or that was connected when the backplane reported a gap
   * @param lastEventId the id it sent, which the history did not hold; for a gap, the id of the last entry
   *     delivered before it
   */
  void onMiss(Sender client, String lastEventId);

  /**
   * Returns the default handler: logs the miss at debug and queues {@link #RESET} for the client (dropped, like
   * any event, if its queue is full).
   *
   * @return a handler that tells the client its id is unknown
   */
  static ReplayMissHandler sendReset() {
    return send(RESET);
  }

  /**
   * Returns a handler that logs the miss at debug and queues this event for the client.
   *
   * @param event what to tell a client whose id is unknown
   * @return a handler that sends the event
   */
  static ReplayMissHandler send(Event event) {
    requireNonNull(event, "event");
    return (client, lastEventId) -> {
      LoggerFactory.getLogger(ReplayMissHandler.class).debug(
          "the client may have missed events after {}; telling it with {}", lastEventId, event);
      client.trySend(event);
    };
  }

  /**
   * Returns a handler that only logs the miss at debug: the client gets live events and is not told.
   *
   * @return a handler that does nothing visible to the client
   */
  static ReplayMissHandler ignore() {
    return (client, lastEventId) -> LoggerFactory.getLogger(ReplayMissHandler.class).debug(
        "the client may have missed events after {}; it gets live events only", lastEventId);
  }
}
