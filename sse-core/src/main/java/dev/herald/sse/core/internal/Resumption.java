package dev.herald.sse.core.internal;

import dev.herald.sse.spi.Frame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a new client of a broadcaster starts: the events it missed since its {@code Last-Event-ID}, from the
 * {@link Recorder}'s history or (on a cluster) the shared log, or the replay-miss signal; and the position it is
 * given at once.
 *
 * <p><b>Threading.</b> Called under the broadcaster's lock, which guards the recorder; it takes no lock itself.
 */
final class Resumption {
  /** How a client that sent an id starts. */
  enum Start {
    /** Its missed events are queued. */
    REPLAYED,
    /** They cannot be given to it: the replay-miss handler is told, after the lock. */
    MISSED,
    /** They are to be read from the cluster's log, after the lock. */
    READING
  }

  private final Recorder recorder;
  private final @Nullable ClusterNode cluster;
  private final boolean positions;
  private final boolean clusterReplays;
  private final Counters counters;

  /**
   * Makes the resumption of a broadcaster's clients.
   *
   * @param assignIds whether the broadcaster assigns ids, so that positions can be given
   * @param history how many events the broadcaster's history keeps
   */
  Resumption(Recorder recorder, @Nullable ClusterNode cluster, boolean assignIds, int history, Counters counters) {
    this.recorder = recorder;
    this.cluster = cluster;
    this.positions = (assignIds || cluster != null) && recorder.keepsHistory();
    this.clusterReplays = cluster != null && history > 0;
    this.counters = counters;
  }

  /** Under the lock: queues what a client missed since its id, or says how it starts otherwise, and counts it. */
  Start resume(DefaultChannel channel, String resumeFrom, ClientTopics topics) {
    List<Frame> replay = recorder.replay(resumeFrom, topics, System.nanoTime());
    if (replay != null) {
      counters.replayHits.increment();
      counters.framesQueued.add(replay.size());
      for (Frame frame : replay) {
        channel.offerReplay(frame);
      }
      return Start.REPLAYED;
    }
    if (clusterReplays && cluster != null) {
      String evicted = recorder.evictedIdIfFull(System.nanoTime());
      ClusterNode.Resumed resumed = cluster.resumeAt(channel, resumeFrom, evicted);
      if (resumed == ClusterNode.Resumed.READING) {
        return Start.READING;
      }
      boolean missed = resumed == ClusterNode.Resumed.MISSED;
      (missed ? counters.replayMisses : counters.replayHits).increment();
      return missed ? Start.MISSED : Start.REPLAYED;
    }
    counters.replayMisses.increment();
    return Start.MISSED;
  }

  /**
   * Whether a client is given its position: a new one, one whose id was unknown, or one with topics (it replays
   * only its topics' events, which may all be older than the newest event); otherwise a replay's last event, or the
   * id the client sent, carries it already.
   */
  boolean needsPosition(@Nullable Start start, ClientTopics topics) {
    return positions && (start == null || start == Start.MISSED || (topics.size() > 0 && cluster == null));
  }

  /**
   * Under the lock: the position, as an id-only block ({@code id: 42} and a blank line), which sets an
   * {@code EventSource}'s last event id without dispatching an event (WHATWG, "dispatch the event", step 1).
   *
   * @return the block, or {@code null} if there is no position to give yet
   */
  @Nullable Frame position(ClientTopics topics) {
    // On a cluster the position is the newest log entry this node delivered.
    String position = recorder.position(topics, cluster != null);
    return position == null ? null : new ByteFrame(("id: " + position + "\n\n").getBytes(StandardCharsets.UTF_8));
  }
}
