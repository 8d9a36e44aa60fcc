package dev.herald.sse.core.internal;

import dev.herald.sse.core.spi.Backplane;
import java.util.ArrayDeque;
import java.util.concurrent.CompletionStage;

/**
 * A cluster node's side of cluster-wide pacing: tells the {@link Backplane} how far this node has offered the log's
 * paced entries to its clients, so that a paced broadcast on any node can wait for every node's clients. A paced
 * entry is offered once each of its clients has queued it or met its overflow policy after the slow-client grace;
 * entries are offered in log order, so the node reports the newest paced entry before which every one is offered.
 *
 * <p><b>Threading.</b> Thread-safe: entries are added by the backplane's delivery thread, in log order, and their
 * fan-outs complete on any thread; the backplane is told outside the lock.
 */
final class ClusterPacing {
  private final Backplane backplane;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>(); // guarded by this, oldest first

  ClusterPacing(Backplane backplane) {
    this.backplane = backplane;
  }

  /**
   * Follows a paced entry's fan-out on this node, and reports it once it and every paced entry before it are
   * offered.
   *
   * @param id the entry's id
   * @param offered completes once every client of this node has queued it or met its overflow policy
   */
  void follow(String id, CompletionStage<Void> offered) {
    Pending entry = new Pending(id);
    synchronized (this) {
      pending.addLast(entry);
    }
    offered.whenComplete((ignored, failure) -> done(entry));
  }

  private void done(Pending entry) {
    String report = null;
    synchronized (this) {
      entry.offered = true;
      while (!pending.isEmpty() && pending.peekFirst().offered) {
        report = pending.pollFirst().id;
      }
    }
    if (report != null) {
      backplane.offered(report);
    }
  }

  /** A paced entry whose fan-out on this node may still wait for a full client. */
  private static final class Pending {
    final String id;
    boolean offered; // guarded by the ClusterPacing's lock

    Pending(String id) {
      this.id = id;
    }
  }
}
