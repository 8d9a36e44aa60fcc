package dev.herald.sse.core.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one paced broadcast waits for: a count of the clients that hold it, and the stage that completes when the
 * last lets it go. The clients at their pacing watermark join it ({@link ParkedSends#awaitDrain(PacingGroup)})
 * instead of each making a future that a combined stage then waits on.
 *
 * <p>The fan-out does not count the clients as they join: it adds how many joined once it has offered the frame to
 * all of them ({@link #add}), and a client may {@linkplain #release release} before that. The count starts at zero
 * and releases take it below zero until the add; it reaches zero exactly once, after the add, when the last client
 * lets go (or at the add, if every one already has).
 *
 * <p><b>Threading.</b> Thread-safe: released by the clients' transports, added to by the fan-out's thread.
 */
final class PacingGroup {
  private final AtomicInteger outstanding = new AtomicInteger();
  private final CompletableFuture<Void> done = new CompletableFuture<>();

  /** The stage that completes once every client that joined has let go. */
  CompletableFuture<Void> done() {
    return done;
  }

  /** Once the fan-out is over: counts the clients that joined. */
  void add(int joined) {
    if (outstanding.addAndGet(joined) == 0) {
      done.complete(null);
    }
  }

  /** A client that joined lets the producer go. */
  void release() {
    if (outstanding.decrementAndGet() == 0) {
      done.complete(null);
    }
  }
}
