package dev.herald.sse.core.internal;

import dev.herald.sse.spi.Frame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The replay history: the last N events broadcast or published to topics (and, optionally, only those younger than
 * a maximum age), each with its topics, with an index from event id to position. A replay holds the events the
 * client would have heard live: broadcasts, and publishes to its topics. Not thread-safe: the broadcaster guards it
 * with its lock.
 */
final class History {
  private final Frame[] frames;
  private final @Nullable String[] ids;
  private final long[] times;
  private final String[] @Nullable [] topics; // null for a broadcast
  private final long maxAgeNanos;
  private final Map<String, Long> positions = new HashMap<>();
  private long first; // position of the oldest kept event
  private long next; // position the next event gets
  private @Nullable String evictedId; // the id of the newest event evicted, if it had one

  /**
   * Makes an empty history.
   *
   * @param capacity how many events to keep, at least 1
   * @param maxAgeNanos how long to keep an event, or {@code Long.MAX_VALUE} for no limit
   */
  History(int capacity, long maxAgeNanos) {
    frames = new Frame[capacity];
    ids = new String[capacity];
    times = new long[capacity];
    topics = new String[capacity][];
    this.maxAgeNanos = maxAgeNanos;
  }

  /**
   * Keeps an event.
   *
   * @param id its id, if it has one
   * @param published the topics it was published to, or {@code null} for a broadcast
   */
  void add(@Nullable String id, String @Nullable [] published, Frame frame, long nowNanos) {
    if (next - first == frames.length) {
      evictOldest();
    }
    int slot = (int) (next % frames.length);
    frames[slot] = frame;
    ids[slot] = id;
    times[slot] = nowNanos;
    topics[slot] = published;
    if (id != null) {
      positions.put(id, next); // a reused id points at its newest event
    }
    next++;
  }

  /**
   * Returns the events after the one with this id that a client hears, oldest first.
   *
   * @param subscription the client's topics
   * @return the events, possibly none; {@code null} if the id is not in the history
   */
  @Nullable List<Frame> after(String id, Subscription subscription, long nowNanos) {
    expire(nowNanos);
    Long position = positions.get(id);
    if (position == null) {
      return null;
    }
    List<Frame> missed = new ArrayList<>((int) (next - position - 1));
    collect(position + 1, subscription, missed);
    return missed;
  }

  /**
   * Returns every event a client hears since the first one this history took, if it still holds them all.
   *
   * @param subscription the client's topics
   * @return the events, possibly none; {@code null} if some were let go of
   */
  @Nullable List<Frame> fromStart(Subscription subscription, long nowNanos) {
    expire(nowNanos);
    if (first != 0) {
      return null;
    }
    List<Frame> all = new ArrayList<>((int) next);
    collect(0, subscription, all);
    return all;
  }

  private void collect(long from, Subscription subscription, List<Frame> out) {
    for (long p = from; p < next; p++) {
      int slot = (int) (p % frames.length);
      if (subscription.hears(topics[slot])) {
        out.add(frames[slot]);
      }
    }
  }

  /** Drops every event; positions go on from where they were. */
  void clear() {
    while (next > first) {
      evictOldest();
    }
  }

  /**
   * Returns the id of the newest event this history let go of, if it is full now: every id older than that one is
   * followed by more events than the history holds, which is a replay miss without a look at any log.
   *
   * @return that id, or {@code null} if the history is not full (its age limit dropped some, or it is young) or
   *     the event had no id
   */
  @Nullable String evictedIdIfFull(long nowNanos) {
    expire(nowNanos);
    return size() == frames.length ? evictedId : null;
  }

  int size() {
    return (int) (next - first);
  }

  private void expire(long nowNanos) {
    if (maxAgeNanos == Long.MAX_VALUE) {
      return;
    }
    while (next > first && nowNanos - times[(int) (first % frames.length)] > maxAgeNanos) {
      evictOldest();
    }
  }

  private void evictOldest() {
    int slot = (int) (first % frames.length);
    String id = ids[slot];
    if (id != null) {
      positions.remove(id, first);
    }
    evictedId = id;
    frames[slot] = null;
    ids[slot] = null;
    topics[slot] = null;
    first++;
  }
}
