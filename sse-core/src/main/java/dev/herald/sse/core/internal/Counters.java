package dev.herald.sse.core.internal;

import dev.herald.sse.BroadcasterStats;
import dev.herald.sse.core.spi.Backplane;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/** The counters behind a broadcaster's stats, shared with its channels. Thread-safe. */
public final class Counters {
  final LongAdder clientsConnected = new LongAdder();
  final LongAdder eventsBroadcast = new LongAdder();
  final LongAdder framesQueued = new LongAdder();
  final LongAdder framesDropped = new LongAdder();
  final LongAdder slowClientsDisconnected = new LongAdder();
  final LongAdder replayHits = new LongAdder();
  final LongAdder replayMisses = new LongAdder();
  final LongAdder heartbeatsSent = new LongAdder();
  final LongAdder publishFailures = new LongAdder();
  final LongAdder backplaneGaps = new LongAdder();

  /**
   * Makes a broadcaster's stats: these counters, and the gauges of its clients and backplane now.
   *
   * @param clients the broadcaster's clients, taken under its lock
   * @param topics how many topics and patterns its clients have, taken under the same lock
   * @param backplane its backplane, or {@code null} for a single node
   */
  BroadcasterStats snapshot(DefaultChannel[] clients, int topics, @Nullable Backplane backplane) {
    long frames = 0;
    long bytes = 0;
    for (DefaultChannel channel : clients) {
      frames += channel.queuedFrames();
      bytes += channel.queuedBytes();
    }
    return new BroadcasterStats(
        clients.length,
        clientsConnected.sum(),
        eventsBroadcast.sum(),
        framesQueued.sum(),
        frames,
        bytes,
        framesDropped.sum(),
        slowClientsDisconnected.sum(),
        replayHits.sum(),
        replayMisses.sum(),
        heartbeatsSent.sum(),
        backplane != null && !backplane.isUp(),
        backplane == null ? 0 : backplane.outages(),
        publishFailures.sum(),
        backplaneGaps.sum(),
        topics);
  }
}
