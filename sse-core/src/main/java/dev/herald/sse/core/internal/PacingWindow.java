package dev.herald.sse.core.internal;

import dev.herald.sse.BackplaneUnavailableException;
import dev.herald.sse.core.spi.Backplane;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The paced broadcasts one cluster node has in flight: how a producer that awaits each {@code broadcastPaced} on a
 * cluster runs as fast as the cluster's readers without paying the log's round trips once per event.
 *
 * <p>The node numbers its paced publishes in the order it hands them to the log. The stage of publish {@code n}
 * completes once publish {@code n} has been handed to the log and publish {@code n - W + 1} has been appended to
 * the log and offered by every live node ({@link Backplane#awaitOffered}), {@code W} being the channel's
 * {@code pacingWatermark}. So a producer that awaits each stage has at most {@code W} paced events in flight
 * (handed to the log but not yet appended, or appended but not yet offered everywhere) when it publishes the next,
 * and with {@code W = 1} each stage waits for its own event to be appended and offered everywhere. The window is
 * the node's, shared by all its producers: concurrent producers on one node together have at most {@code W} events
 * in flight. Each event's wait for the other nodes ends after the patience, counted from its append, so that a node
 * that is heard from but stalls holds a producer back that long at most.
 *
 * <p>Handing an event over is enough for a stage only because the backplane {@linkplain
 * Backplane#retriesPacedPublishes() retries} a paced append until it lands; with a backplane that does not, each
 * stage also waits for its own append's acknowledgement. When a backplane that retries finds the log unreachable
 * ({@link Backplane#nextOutage()}), every event in the window counts as passed: the producers waiting for appends
 * that have not landed go on, their next publishes are refused at once while the log is away, and those appends land
 * once it is back, before any new one. A publish that is refused when it is handed (the log known
 * to be unreachable) fails its own stage at once and takes no place in the window. One that fails later fails
 * at most one stage, the first that waits for it: with a backplane that retries (it gave up on the event), the
 * stage {@code W - 1} places after it, whose own event was handed all the same (with {@code W = 1}, its own);
 * otherwise its own. A failure that no stage reports (no paced publish followed it) is the backplane's to log.
 *
 * <p>A stage that waits for its own append too ({@code broadcastOnce}'s: a producer that retries under a key must
 * know whether its event got in) completes only once that append is acknowledged, and fails with its failure, or
 * as soon as the log becomes unreachable before it was acknowledged (the append may still land; a retry under the
 * same key appends nothing then).
 *
 * <p><b>Threading.</b> Thread-safe: one lock numbers the publishes and keeps the last {@code W} of them; the
 * publish itself is handed to the log under it (it does not block), so the log orders this node's paced entries as
 * they were numbered.
 */
final class PacingWindow {
  private final Backplane backplane;
  private final long patienceNanos;
  private final boolean handOff;
  private final @Nullable Slot[] slots; // guarded by this: publish n at n % size
  private long next; // guarded by this: the number of the next publish
  private @Nullable CompletableFuture<?> outage; // guarded by this: the log's next outage, which passes every slot

  /**
   * Makes a node's window.
   *
   * @param backplane appends the events, and tells when every live node has offered an entry
   * @param size {@code W}, at least 1
   * @param patienceNanos how long each event's wait for the other nodes may last after its append
   */
  PacingWindow(Backplane backplane, int size, long patienceNanos) {
    if (size < 1) {
      throw new IllegalArgumentException("the window must hold at least 1 event: " + size);
    }
    this.backplane = backplane;
    this.patienceNanos = patienceNanos;
    this.handOff = backplane.retriesPacedPublishes();
    this.slots = new Slot[size];
  }

  /**
   * Publishes one paced event through the window, as {@code broadcastPaced} does.
   *
   * @param publish hands the event to the log, without waiting, and returns the stage of its append; may throw if
   *     the event is refused, and then nothing is counted
   * @return a stage that completes once the window lets the producer go on, or fails with the failure of the
   *     publish it reports (see the class's documentation)
   */
  CompletableFuture<Void> pace(Supplier<CompletableFuture<String>> publish) {
    return pace(publish, false);
  }

  /**
   * Publishes one paced event through the window.
   *
   * @param publish hands the event to the log, without waiting, and returns the stage of its append; may throw if
   *     the event is refused, and then nothing is counted
   * @param awaitOwn whether the stage also waits for its own append's acknowledgement, as {@code broadcastOnce}'s
   *     does: it then fails if the append fails, or if the log becomes unreachable first
   * @return a stage that completes once the window lets the producer go on, or fails with the failure of the
   *     publish it reports (see the class's documentation)
   */
  CompletableFuture<Void> pace(Supplier<CompletableFuture<String>> publish, boolean awaitOwn) {
    Slot own;
    Slot gate;
    CompletableFuture<?> listen = null;
    synchronized (this) {
      if (handOff && (outage == null || outage.isDone())) {
        listen = backplane.nextOutage().toCompletableFuture();
        outage = listen;
      }
      CompletableFuture<String> published = publish.get();
      if (published.isCompletedExceptionally()) {
        return published.thenApply(id -> null); // refused as it was handed: it takes no place
      }
      own = new Slot(published, awaitOwn || !handOff);
      offeredEverywhere(published).thenRun(own::pass);
      int size = slots.length;
      slots[(int) (next % size)] = own;
      long gateNumber = next - size + 1;
      gate = gateNumber < 0 ? null : slots[(int) (gateNumber % size)];
      next++;
    }
    if (listen != null) {
      listen.thenRun(this::passAll); // one listener per outage, outside the lock: it may run at once
    }
    CompletableFuture<?> passed = gate == null ? CompletableFuture.completedFuture(null) : gate.passed;
    CompletableFuture<?> wait = own.landed == null ? passed
        : passed.isDone() ? own.landed : CompletableFuture.allOf(own.landed, passed);
    return wait.handle((ignored, failure) -> {
      own.reportOwn();
      if (gate != null && handOff) {
        gate.report(); // the first stage that waits for a publish that failed after it was handed over
      }
      return null;
    });
  }

  /**
   * Passes every slot in the window: the log became unreachable, so the producers waiting for appends that have not
   * landed go on (their next publishes fail at once while it is away, and those appends land once it is back).
   */
  private void passAll() {
    Slot[] passing;
    synchronized (this) {
      passing = slots.clone();
    }
    for (Slot slot : passing) {
      if (slot != null) {
        slot.pass();
        slot.unreachable();
      }
    }
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

  /** One paced publish in the window: its append, and the wait that passes it. */
  private static final class Slot {
    final CompletableFuture<String> published;
    /**
     * Completes, never exceptionally, once the event failed, or was appended and offered everywhere, or the log
     * became unreachable.
     */
    final CompletableFuture<Void> passed = new CompletableFuture<>();
    /**
     * For a stage that waits for its own append: completes once it is appended, fails as it does, or as the log
     * becoming unreachable before; otherwise {@code null}.
     */
    final @Nullable CompletableFuture<Void> landed;

    Slot(CompletableFuture<String> published, boolean awaitOwn) {
      this.published = published;
      if (awaitOwn) {
        CompletableFuture<Void> own = new CompletableFuture<>();
        published.whenComplete((id, failure) -> {
          if (failure == null) {
            own.complete(null);
          } else {
            own.completeExceptionally(failure);
          }
        });
        this.landed = own;
      } else {
        this.landed = null;
      }
    }

    void pass() {
      passed.complete(null);
    }

    /** The log became unreachable: a stage that waits for this append, not landed yet, fails. */
    void unreachable() {
      if (landed != null) {
        landed.completeExceptionally(new BackplaneUnavailableException("the log became unreachable before it"
            + " acknowledged the event: it may or may not have been published, and is sent again once the log is"
            + " back"));
      }
    }

    /** Throws the failure of this stage's own append, if it waited for it and it failed. */
    void reportOwn() {
      if (landed != null && landed.isCompletedExceptionally()) {
        throw new CompletionException(ClusterNode.unwrap(landed));
      }
    }

    /**
     * Throws this publish's failure, if it failed and its own stage did not wait for it: called by the one stage
     * that waits for it.
     */
    void report() {
      if (landed == null && published.isCompletedExceptionally()) {
        throw new CompletionException(ClusterNode.unwrap(published));
      }
    }
  }
}
