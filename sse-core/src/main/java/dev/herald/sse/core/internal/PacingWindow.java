package dev.herald.sse.core.internal;

import dev.herald.sse.core.spi.Backplane;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The paced broadcasts one cluster node has in flight: how a producer that awaits each {@code broadcastPaced} on a
 * cluster runs as fast as the cluster's readers without paying the log's round trips once per event.
 *
 * <p>The node numbers its paced publishes in the order it hands them to the log. The stage of publish {@code n}
 * completes once the log has acknowledged it and publish {@code n - W + 1} has been offered by every live node
 * ({@link Backplane#awaitOffered}), {@code W} being the channel's {@code pacingWatermark}. So a producer that awaits
 * each stage has at most {@code W} paced events ahead of the slowest live node when it publishes the next, and with
 * {@code W = 1} each stage waits for its own event to be offered everywhere. The window is the node's, shared by
 * all its producers: concurrent producers on one node together have at most {@code W} events in flight. Each
 * event's wait for the other nodes ends after the patience, counted from its acknowledgement, so that a node that
 * is heard from but stalls holds a producer back that long at most; an event that was not published holds no later
 * one back.
 *
 * <p><b>Threading.</b> Thread-safe: one lock numbers the publishes and keeps the last {@code W} waits; the publish
 * itself is handed to the log under it (it does not block), so the log orders this node's paced entries as they
 * were numbered.
 */
final class PacingWindow {
  private final Backplane backplane;
  private final long patienceNanos;
  private final @Nullable CompletableFuture<?>[] offered; // guarded by this: publish n's wait at n % size
  private long next; // guarded by this: the number of the next publish

  /**
   * Makes a node's window.
   *
   * @param backplane tells when every live node has offered an entry
   * @param size {@code W}, at least 1
   * @param patienceNanos how long each event's wait for the other nodes may last after its acknowledgement
   */
  PacingWindow(Backplane backplane, int size, long patienceNanos) {
    if (size < 1) {
      throw new IllegalArgumentException("the window must hold at least 1 event: " + size);
    }
    this.backplane = backplane;
    this.patienceNanos = patienceNanos;
    this.offered = new CompletableFuture<?>[size];
  }

  /**
   * Publishes one paced event through the window.
   *
   * @param publish hands the event to the log, without waiting; may throw if the event is refused, and then nothing
   *     is counted
   * @return a stage that fails as the publish does, or completes once it is acknowledged and the window lets the
   *     producer go on
   */
  CompletableFuture<String> pace(Supplier<CompletableFuture<String>> publish) {
    CompletableFuture<String> published;
    CompletableFuture<?> gate;
    synchronized (this) {
      published = publish.get();
      int size = offered.length;
      offered[(int) (next % size)] = offeredEverywhere(published);
      long gateNumber = next - size + 1;
      CompletableFuture<?> earlier = gateNumber < 0 ? null : offered[(int) (gateNumber % size)];
      gate = earlier == null ? CompletableFuture.completedFuture(null) : earlier;
      next++;
    }
    return gate.isDone() ? published : published.thenCombine(gate, (id, ignored) -> id);
  }

  /** The wait for every live node to offer a published entry: done at once if it was not published. */
  private CompletableFuture<Void> offeredEverywhere(CompletableFuture<String> published) {
    return published.handle((id, failure) -> failure == null ? id : null).thenCompose(id -> {
      if (id == null) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> everywhere;
      try {
        everywhere = backplane.awaitOffered(id).toCompletableFuture();
      } catch (RuntimeException e) {
        return CompletableFuture.completedFuture(null); // a wait that cannot be had holds no one back
      }
      // The backplane drops its wait once the stage is completed here, by the patience running out.
      return everywhere.completeOnTimeout(null, patienceNanos, TimeUnit.NANOSECONDS);
    });
  }
}
