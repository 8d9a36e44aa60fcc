package dev.herald.sse.core.internal;

import dev.herald.sse.Event;
import dev.herald.sse.spi.Frame;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The seam between a broadcast and its local fan-out: gives each broadcast event its id and its place in the
 * order every client sees, keeps what replay reads, and answers replay requests.
 *
 * <p>The in-memory log ({@link LocalEventLog}) is the default. A cluster backplane (a shared, ordered log such as a
 * Redis stream) goes here too, so that ids and history come from outside the process.
 *
 * <p><b>Threading.</b> The broadcaster calls every method under its lock, which orders appends against each other
 * and against replays; implementations need no locking of their own.
 */
interface EventLog {

  /**
   * Records a broadcast event, giving it an id if the log assigns them.
   *
   * @param event the event as broadcast
   * @param nowNanos the broadcast's {@link System#nanoTime()}
   * @return the frame to fan out (with the assigned id, if any)
   */
  Frame append(Event event, long nowNanos);

  /**
   * Returns the events after the one with this id, oldest first.
   *
   * @param lastEventId the id the client saw last
   * @param nowNanos the request's {@link System#nanoTime()}
   * @return the missed events, possibly none, or {@code null} if the id is not in the log
   */
  @Nullable List<Frame> after(String lastEventId, long nowNanos);

  /**
   * Forgets the events kept for replay, so that no id recorded so far is found any more: after a gap in a
   * cluster's shared log, a replay from an id before the gap would skip it without a word.
   */
  void forgetHistory();
}
