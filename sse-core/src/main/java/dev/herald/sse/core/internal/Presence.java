package dev.herald.sse.core.internal;

import dev.herald.sse.core.PresenceListener;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a {@link PresenceListener} of topics' first joins and last leaves: noted under the broadcaster's lock, in
 * its order, and told after it is released, one call at a time, by whichever thread finds changes waiting.
 *
 * <p><b>Threading.</b> Thread-safe. {@link #joined} and {@link #left} are called under the broadcaster's lock;
 * {@link #tell} with no lock held.
 */
final class Presence {
  private static final Logger log = LoggerFactory.getLogger(Presence.class);

  private final @Nullable PresenceListener listener;
  private final Queue<Change> changes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean telling = new AtomicBoolean();

  Presence(@Nullable PresenceListener listener) {
    this.listener = listener;
  }

  /** Under the lock: notes a topic's first subscriber. */
  void joined(String topic) {
    if (listener != null) {
      changes.add(new Change(topic, true));
    }
  }

  /** Under the lock: notes that a topic's last subscriber left. */
  void left(String topic) {
    if (listener != null) {
      changes.add(new Change(topic, false));
    }
  }

  /** With no lock held: tells the listener of the changes waiting, unless another thread is telling it already. */
  void tell() {
    PresenceListener to = listener;
    if (to == null) {
      return;
    }
    // Whoever holds the flag tells every change queued, in order; a change queued as it lets go is seen by the loop.
    while (!changes.isEmpty() && telling.compareAndSet(false, true)) {
      try {
        Change change;
        while ((change = changes.poll()) != null) {
          tell(to, change);
        }
      } finally {
        telling.set(false);
      }
    }
  }

  private static void tell(PresenceListener listener, Change change) {
    try {
      if (change.joined()) {
        listener.firstJoined(change.topic());
      } else {
        listener.lastLeft(change.topic());
      }
    } catch (RuntimeException e) {
      log.warn("the presence listener failed on {}", change, e);
    }
  }

  /** A topic's first join or last leave. */
  private record Change(String topic, boolean joined) {}
}
