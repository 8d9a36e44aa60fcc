package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.core.DeliveryObserver;
import dev.herald.sse.spi.Frame;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broadcaster's measure of delivery delays: hands each client's channel a {@link Sampler} that reports a sample of
 * its live broadcast frames to the application's {@link DeliveryObserver} as the transport takes them.
 *
 * <p><b>Threading.</b> Thread-safe; each sampler is used by its channel's transport, one poll at a time.
 */
final class DeliveryDelays {
  private static final Logger log = LoggerFactory.getLogger(DeliveryDelays.class);

  private final DeliveryObserver observer;
  /** Whether the observer has failed before: the first failure is logged at WARN, the rest at DEBUG. */
  private final AtomicBoolean failed = new AtomicBoolean();

  DeliveryDelays(DeliveryObserver observer) {
    this.observer = requireNonNull(observer, "observer");
  }

  /**
   * Makes the sampler of a client that subscribes now: frames broadcast before this moment reach it as its replay,
   * and are not measured.
   */
  Sampler sampler() {
    return new Sampler(System.nanoTime());
  }

  private void report(long delayNanos) {
    try {
      observer.delivered(delayNanos);
    } catch (RuntimeException e) {
      if (failed.compareAndSet(false, true)) {
        log.warn("the delivery observer failed; later failures are logged at DEBUG", e);
      } else {
        log.debug("the delivery observer failed", e);
      }
    }
  }

  /** One client's sampling: its first live frame, and one in every {@link DeliveryObserver#SAMPLE_INTERVAL}. */
  final class Sampler {
    private final long subscribedNanos;
    /**
     * Frames still to take before the next one is looked at: 1 until the first live frame, then the sample interval
     * after each sample. Only the transport's drain touches it, one poll at a time; so a frame that is not sampled
     * costs one decrement.
     */
    private int untilNext = 1;

    private Sampler(long subscribedNanos) {
      this.subscribedNanos = subscribedNanos;
    }

    /** The transport took this frame to write it. */
    void polled(Frame frame) {
      if (--untilNext > 0) {
        return;
      }
      if (frame instanceof ByteFrame bytes && bytes.stamped() && bytes.broadcastNanos() - subscribedNanos >= 0) {
        untilNext = DeliveryObserver.SAMPLE_INTERVAL;
        report(Math.max(0, System.nanoTime() - bytes.broadcastNanos()));
      } else {
        untilNext = 1; // not a live broadcast (a replay, a greeting, a client's own send): look at the next one
      }
    }
  }
}
