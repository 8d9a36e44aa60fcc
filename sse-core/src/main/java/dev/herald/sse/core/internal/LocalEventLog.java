package dev.herald.sse.core.internal;

import dev.herald.sse.Data;
import dev.herald.sse.Event;
import dev.herald.sse.spi.Frame;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The single-node {@link EventLog}: assigns increasing decimal ids when configured to, and keeps a bounded
 * in-memory {@link History} when one is configured. With neither, it only encodes. Not thread-safe: the
 * broadcaster's lock guards it.
 */
final class LocalEventLog implements EventLog {
  private final boolean assignIds;
  private final @Nullable History history;
  private final Function<Event, Frame> encoder;
  private long lastId;

  /**
   * Makes a log.
   *
   * @param assignIds whether to give ids to events that have none
   * @param history where to keep events for replay, or {@code null} for no replay
   * @param encoder encodes an event, enforcing the size limit
   */
  LocalEventLog(boolean assignIds, @Nullable History history, Function<Event, Frame> encoder) {
    this.assignIds = assignIds;
    this.history = history;
    this.encoder = encoder;
  }

  @Override
  public Frame append(Event event, long nowNanos) {
    Event sent = event;
    String id = null;
    if (event instanceof Data data) {
      id = data.id();
      if (assignIds && id == null) {
        id = Long.toString(++lastId);
        sent = data.withId(id);
      }
    }
    Frame frame = encoder.apply(sent);
    if (history != null && event instanceof Data) {
      history.add(id, frame, nowNanos);
    }
    return frame;
  }

  @Override
  public @Nullable List<Frame> after(String lastEventId, long nowNanos) {
    return history == null ? null : history.after(lastEventId, nowNanos);
  }

  @Override
  public void forgetHistory() {
    if (history != null) {
      history.clear();
    }
  }
}
