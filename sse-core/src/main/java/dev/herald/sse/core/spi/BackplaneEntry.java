package dev.herald.sse.core.spi;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Data;
import dev.herald.sse.Event;

/**
 * One event in a {@link Backplane}'s shared log, with the id the log gave it.
 *
 * <p>The id is what clients see as the event's {@code id:} (and send back as {@code Last-Event-ID}); the event
 * itself carries none. Instances are immutable and safe to share between threads.
 *
 * @param id the log's id for the entry, in the order of {@link Backplane#idOrder()}
 * @param event the event as published, without an id
 */
public record BackplaneEntry(String id, Event event) {

  /**
   * Makes an entry after checking it.
   *
   * @param id the log's id for the entry
   * @param event the event as published, without an id
   * @throws IllegalArgumentException if the event carries an id of its own
   */
  public BackplaneEntry {
    requireNonNull(id, "id");
    requireNonNull(event, "event");
    if (event instanceof Data data && data.id() != null) {
      throw new IllegalArgumentException("a backplane entry's event has no id of its own: " + data.id());
    }
  }
}
