package dev.herald.sse.core.spi;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Data;
import dev.herald.sse.Event;
import org.jspecify.annotations.Nullable;

/**
 * One event in a {@link Backplane}'s shared log, with the id the log gave it.
 *
 * <p>The id is what clients see as the event's {@code id:} (and send back as {@code Last-Event-ID}); the event
 * itself carries none. Instances are immutable and safe to share between threads.
 *
 * <p>An entry that a backplane {@linkplain Backplane#start delivers} right after a gap says so with
 * {@link #gapAfter()}: entries of the log between the last one it delivered and this one were lost to this node
 * (a log that trims itself removed them before the node read them). The broadcaster then tells its clients that
 * they missed events, as for a replay miss, before it gives them this entry.
 *
 * @param id the log's id for the entry, in the order of {@link Backplane#idOrder()}
 * @param event the event as published, without an id
 * @param gapAfter {@code null} normally; after a gap, the id of the last entry delivered before it (the gap lies
 *     between that entry and this one). Entries of a {@linkplain Backplane#replay replay} have none.
 */
public record BackplaneEntry(String id, Event event, @Nullable String gapAfter) {

  /**
   * Makes an entry after checking it.
   *
   * @param id the log's id for the entry
   * @param event the event as published, without an id
   * @param gapAfter {@code null}, or the id of the last entry delivered before a gap that ends at this entry
   * @throws IllegalArgumentException if the event carries an id of its own
   */
  public BackplaneEntry {
    requireNonNull(id, "id");
    requireNonNull(event, "event");
    if (event instanceof Data data && data.id() != null) {
      throw new IllegalArgumentException("a backplane entry's event has no id of its own: " + data.id());
    }
  }

  /**
   * Makes an entry that follows the one delivered before it without a gap.
   *
   * @param id the log's id for the entry
   * @param event the event as published, without an id
   * @throws IllegalArgumentException if the event carries an id of its own
   */
  public BackplaneEntry(String id, Event event) {
    this(id, event, null);
  }
}
