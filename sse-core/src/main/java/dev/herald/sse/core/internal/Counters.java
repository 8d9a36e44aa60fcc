package dev.herald.sse.core.internal;

import java.util.concurrent.atomic.LongAdder;

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
}
