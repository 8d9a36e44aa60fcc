package dev.herald.sse.netty;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline, for tests whose other side runs on other threads. */
final class Await {
  private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(5);

  private Await() {}

  /** Returns once {@code condition} holds; fails naming {@code what} if it does not within 5 s. */
  static void until(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after 5 s waiting until " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }
}
