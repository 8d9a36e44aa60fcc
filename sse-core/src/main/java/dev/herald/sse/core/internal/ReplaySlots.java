package dev.herald.sse.core.internal;

import java.util.ArrayDeque;

/**
 * The turns a node gives replays read from the backplane's log: at most a fixed number at once, the others waiting
 * in arrival order, so a burst of clients resuming from old ids makes the log and the node hold a bounded amount.
 *
 * <p><b>Threading.</b> Thread-safe. A turn starts on the thread that acquires it or that releases the turn before
 * it, holding no lock of this class.
 */
final class ReplaySlots {
  private final int limit;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>(); // guarded by this
  private int used; // guarded by this

  ReplaySlots(int limit) {
    this.limit = limit;
  }

  /** Runs {@code turn} now if a turn is free, else once one is released; {@code turn} must release it later. */
  void acquire(Runnable turn) {
    synchronized (this) {
      if (used >= limit) {
        waiting.addLast(turn);
        return;
      }
      used++;
    }
    turn.run();
  }

  /** Gives a turn back, or hands it to the replay that waited longest. */
  void release() {
    Runnable next;
    synchronized (this) {
      next = waiting.pollFirst();
      if (next == null) {
        used--;
        return;
      }
    }
    next.run();
  }

  /** Turns taken now, for tests. */
  synchronized int inUse() {
    return used;
  }
}
