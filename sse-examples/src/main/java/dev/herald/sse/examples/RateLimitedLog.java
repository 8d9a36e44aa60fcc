package dev.herald.sse.examples;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A warning that is logged at most once per interval, with the count of those left out since, so that a flood of
 * misbehaving clients cannot flood the log with it; the rest go to debug level.
 *
 * <p><b>Threading.</b> Safe to use from any number of threads at once.
 */
final class RateLimitedLog {
  private final Logger log;
  private final long intervalNanos;
  private final AtomicLong nextWarning = new AtomicLong(System.nanoTime());
  private final AtomicLong suppressed = new AtomicLong();

  RateLimitedLog(Logger log, long interval, TimeUnit unit) {
    this.log = log;
    this.intervalNanos = unit.toNanos(interval);
  }

  /** Logs at warn level with the stack trace if none was logged within the interval, else at debug level. */
  void warn(String message, Throwable cause) {
    long now = System.nanoTime();
    long next = nextWarning.get();
    if (now - next >= 0 && nextWarning.compareAndSet(next, now + intervalNanos)) {
      long left = suppressed.getAndSet(0);
      log.warn("{} ({} more like it in the last {} s were logged at debug level)", message, left,
          TimeUnit.NANOSECONDS.toSeconds(intervalNanos), cause);
    } else {
      suppressed.incrementAndGet();
      log.debug("{}: {}", message, cause.toString());
    }
  }
}
