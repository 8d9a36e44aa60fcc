package dev.herald.sse.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/** What every client of one load run reports into. */
final class Run {
  final LongAdder received = new LongAdder();
  /** Bytes read from the sockets (HTTP/1.1) or in DATA frames (HTTP/2), before any gzip decoding. */
  final LongAdder bytes = new LongAdder();
  final AtomicInteger readers = new AtomicInteger();
  final AtomicInteger stalled = new AtomicInteger();
  final AtomicInteger failed = new AtomicInteger();
  final AtomicInteger readersLost = new AtomicInteger();
  final AtomicInteger stalledLost = new AtomicInteger();
  final AtomicReference<String> firstFailure = new AtomicReference<>();
  private final Map<Thread, Client.LoopStats> loops = new ConcurrentHashMap<>();

  /** The calling event loop's statistics. */
  Client.LoopStats loop() {
    return loops.computeIfAbsent(Thread.currentThread(), thread -> new Client.LoopStats());
  }

  /** Every loop's statistics; call only once the loops have stopped. */
  List<Client.LoopStats> loops() {
    return new ArrayList<>(loops.values());
  }

  void connected(boolean stalledClient) {
    (stalledClient ? stalled : readers).incrementAndGet();
  }

  void failed(String reason) {
    failed.incrementAndGet();
    firstFailure.compareAndSet(null, reason);
  }

  void lost(boolean stalledClient) {
    (stalledClient ? stalledLost : readersLost).incrementAndGet();
  }
}
