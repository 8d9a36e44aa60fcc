package dev.herald.sse.core.internal;

import dev.herald.sse.Data;
import dev.herald.sse.Event;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.EventEncoder;
import dev.herald.sse.core.spi.Backplane;
import dev.herald.sse.spi.Frame;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a broadcaster remembers of the events it sent: the ids it gives them, the newest id (a new client's
 * position), and the replay {@link History}, from which it finds what a resuming client missed.
 *
 * <p><b>Threading.</b> Not thread-safe: the broadcaster's lock guards it, and its order is every client's order.
 */
final class Recorder {
  private final boolean assignIds;
  /** Whether a broadcast's frame carries the time of its broadcast, for a delivery observer. */
  private final boolean stamp;
  /**
   * The position before the first event, given to clients that connect before anything was broadcast: resuming
   * from it replays every event, while the history still holds the first. With ids from the clock, the number just
   * before this run's first, so that no run's start is another's.
   */
  private final String start;
  private final int maxEventBytes;
  private final @Nullable History history;
  private long lastId;
  private @Nullable String newestId; // the id of the newest event recorded

  /**
   * Makes an empty record.
   *
   * @param config the history's size and age, and the event size limit
   * @param assignIds whether to give events without an id the next number
   */
  Recorder(BroadcasterConfig config, boolean assignIds) {
    this.assignIds = assignIds;
    this.stamp = config.deliveryObserver() != null;
    // Numbered from the clock unless told otherwise, so that a restarted server never reuses an id of the run before.
    this.lastId = (config.firstId() != 0 ? config.firstId() : System.currentTimeMillis() * 1000 + 1) - 1;
    this.start = Long.toString(lastId);
    this.maxEventBytes = config.channel().maxEventBytes();
    Duration maxAge = config.historyMaxAge();
    Backplane backplane = config.backplane();
    this.history = config.history() == 0
        ? null
        : new History(config.history(), config.historyPerTopic(), maxAge == null ? Long.MAX_VALUE : maxAge.toNanos(),
            backplane == null ? null : backplane.idOrder());
  }

  /** Whether events are kept for replay. */
  boolean keepsHistory() {
    return history != null;
  }

  /**
   * Gives the event its id if ids are assigned, encodes it once, and keeps it in the history with its topics.
   *
   * @param published the topics it was published to, or {@code null} for a broadcast
   * @throws IllegalArgumentException if it encodes to more than the size limit
   */
  Frame record(Event event, String @Nullable [] published, long nowNanos) {
    Event sent = event;
    String id = null;
    if (event instanceof Data data) {
      id = data.id();
      if (assignIds && id == null) {
        id = Long.toString(++lastId);
        sent = data.withId(id);
      }
    }
    Frame frame = stamp ? stamped(sent, nowNanos) : encode(sent);
    if (history != null && event instanceof Data) {
      history.add(id, published, frame, nowNanos);
    }
    if (id != null) {
      newestId = id;
    }
    return frame;
  }

  /** Encodes an event with the time of its broadcast, for the delivery delay; enforces the size limit. */
  private Frame stamped(Event event, long nowNanos) {
    return DefaultChannel.checkSize(new ByteFrame(EventEncoder.encodeToBytes(event), nowNanos), maxEventBytes);
  }

  /** Encodes an event, enforcing the size limit. */
  Frame encode(Event event) {
    return DefaultChannel.checkSize(EventEncoder.encode(event), maxEventBytes);
  }

  /**
   * Finds what a client that resumes from an id missed, among the events it hears.
   *
   * @return the events, oldest first, possibly none; {@code null} if the history cannot tell (no history, or the
   *     id is not in it)
   */
  @Nullable List<Frame> replay(String resumeFrom, ClientTopics subscription, long nowNanos) {
    if (history == null) {
      return null;
    }
    return assignIds && resumeFrom.equals(start)
        ? history.fromStart(subscription, nowNanos)
        : history.after(resumeFrom, subscription, nowNanos);
  }

  /** The id of the newest event the full history let go of; see {@link History#evictedIdIfFull}. */
  @Nullable String evictedIdIfFull(long nowNanos) {
    return history == null ? null : history.evictedIdIfFull(nowNanos);
  }

  /**
   * The position to give a client: the id of the newest kept event it hears, from which a resume replays exactly
   * what it missed for as long as its topics keep that event. If it hears none: on a single node the start
   * while none it hears was ever let go of, else the newest id; on a cluster the newest id, and none before the
   * first (the log's ids are its own, and no id stands for its start).
   */
  @Nullable String position(ClientTopics subscription, boolean clustered) {
    String heard = history == null ? null : history.newestHeardBy(subscription);
    if (heard != null) {
      return heard;
    }
    if (clustered) {
      return newestId;
    }
    return newestId == null || history == null || !history.lostAnyAfter(0, subscription) ? start : newestId;
  }

  /**
   * Forgets the events kept for replay, so that no id recorded so far is found any more (after a gap in a
   * cluster's log, a replay from an id before the gap would skip it without a word).
   */
  void forget() {
    if (history != null) {
      history.clear();
    }
  }
}
