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
 * thread when the answer came. Keep it short. An exception it throws is logged and otherwise ignored.
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
   * @param client the client that reconnected
   * @param lastEventId the id it sent, which the history did not hold
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
          "Last-Event-ID is not in the replay history; telling the client with {}", event);
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
        "Last-Event-ID is not in the replay history; the client gets live events only");
  }
}
