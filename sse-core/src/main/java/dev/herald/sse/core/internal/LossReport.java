package dev.herald.sse.core.internal;

import org.jspecify.annotations.Nullable;

/**
 * Says, at most once per interval, what a broadcaster's clients lost: how many were disconnected as slow, how many
 * could not be replayed to, how many frames the overflow policy dropped, how many gaps the backplane's log had, and
 * how many broadcasts the backplane did not acknowledge.
 * Each of these is logged per client at DEBUG only, where a default configuration shows nothing; one line per
 * interval at INFO makes loss visible without letting a storm of misbehaving clients flood the log.
 *
 * <p><b>Threading.</b> {@link #next()} is called by one timer thread at a time; the counters may move meanwhile.
 */
final class LossReport {
  /** How often the report may speak, in seconds. */
  static final long INTERVAL_SECONDS = 60;

  private final Counters counters;
  private long slow;
  private long missed;
  private long dropped;
  private long gaps;
  private long unpublished;

  LossReport(Counters counters) {
    this.counters = counters;
  }

  /**
   * Returns what was lost since the last call, as one line, or {@code null} if nothing was.
   *
   * @return the line to log, or {@code null}
   */
  @Nullable String next() {
    long slowNow = counters.slowClientsDisconnected.sum();
    long missedNow = counters.replayMisses.sum();
    long droppedNow = counters.framesDropped.sum();
    long gapsNow = counters.backplaneGaps.sum();
    long unpublishedNow = counters.publishFailures.sum();
    long newSlow = slowNow - slow;
    long newMissed = missedNow - missed;
    long newDropped = droppedNow - dropped;
    long newGaps = gapsNow - gaps;
    long newUnpublished = unpublishedNow - unpublished;
    slow = slowNow;
    missed = missedNow;
    dropped = droppedNow;
    gaps = gapsNow;
    unpublished = unpublishedNow;
    if (newSlow == 0 && newMissed == 0 && newDropped == 0 && newGaps == 0 && newUnpublished == 0) {
      return null;
    }
    StringBuilder line = new StringBuilder("clients lost events in the last ").append(INTERVAL_SECONDS)
        .append(" s or less:");
    append(line, "slow clients disconnected (their queue was full)", newSlow);
    append(line, "replay misses (a Last-Event-ID the history no longer holds; sent the replay-miss signal)",
        newMissed);
    append(line, "frames dropped by the overflow policy", newDropped);
    append(line, "gaps in the backplane's log", newGaps);
    append(line, "broadcasts the backplane did not acknowledge", newUnpublished);
    return line.toString();
  }

  private static void append(StringBuilder line, String what, long count) {
    if (count != 0) {
      line.append(line.charAt(line.length() - 1) == ':' ? " " : "; ").append(what).append(": ").append(count);
    }
  }
}
