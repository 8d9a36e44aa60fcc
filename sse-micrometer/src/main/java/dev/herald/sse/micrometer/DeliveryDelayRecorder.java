package dev.herald.sse.micrometer;

import dev.herald.sse.core.DeliveryObserver;
import io.micrometer.core.instrument.Timer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The {@link DeliveryObserver} behind the {@code herald.sse.delivery.delay} timer: give it to the broadcaster's
 * configuration, and to the {@link BroadcasterMetrics} that binds the broadcaster, which registers the timer it
 * records into.
 *
 * <pre>{@code
 * DeliveryDelayRecorder delays = new DeliveryDelayRecorder();
 * Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
 *     .name("chat").deliveryObserver(delays).build());
 * new BroadcasterMetrics(broadcaster, delays).bindTo(registry);
 * }</pre>
 *
 * <p>Until it is bound to a registry it records nothing; bound to several (one {@link BroadcasterMetrics} bound
 * to each), it records into each. Record one broadcaster's delays with one recorder: its timer carries that
 * broadcaster's name.
 *
 * <p><b>Threading.</b> Thread-safe. The broadcaster calls it on its transports' threads, for a sample of each
 * client's live events (see {@link DeliveryObserver}); recording takes no lock and never blocks.
 */
public final class DeliveryDelayRecorder implements DeliveryObserver {
  private static final Timer[] NONE = new Timer[0];

  /** The timers to record into: copied on the rare bind, read on every sample. */
  private volatile Timer[] timers = NONE;

  /** Makes a recorder that records nothing until a {@link BroadcasterMetrics} binds it to a registry. */
  public DeliveryDelayRecorder() {}

  @Override
  public void delivered(long delayNanos) {
    for (Timer timer : timers) {
      timer.record(delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Records into this timer too; called when a binder is bound to a registry. */
  synchronized void add(Timer timer) {
    Timer[] now = timers;
    for (Timer each : now) {
      if (each == timer) { // by identity: meters of two registries with the same id are equal
        return;
      }
    }
    Timer[] next = Arrays.copyOf(now, now.length + 1);
    next[now.length] = timer;
    timers = next;
  }
}
