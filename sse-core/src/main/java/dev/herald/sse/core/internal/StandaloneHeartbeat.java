package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Comment;
import dev.herald.sse.core.EventEncoder;
import dev.herald.sse.spi.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heartbeats for channels that belong to no broadcaster: one task per interval on the {@link SharedTimer}, which
 * runs only while such channels are open. A channel that was written to within the interval is skipped, as a
 * broadcaster's clients are.
 */
public final class StandaloneHeartbeat {
  private static final Logger log = LoggerFactory.getLogger(StandaloneHeartbeat.class);
  private static final Frame PING = EventEncoder.encode(Comment.of("ping"));
  private static final Map<Long, Group> GROUPS = new HashMap<>(); // guarded by itself

  private StandaloneHeartbeat() {}

  /**
   * Sends this channel a {@code : ping} comment whenever it has received nothing for a whole interval, until it
   * closes.
   *
   * @param channel an open standalone channel
   * @param interval the heartbeat interval, positive
   */
  public static void register(DefaultChannel channel, Duration interval) {
    requireNonNull(channel, "channel");
    long nanos = interval.toNanos();
    Group group;
    synchronized (GROUPS) {
      group = GROUPS.computeIfAbsent(nanos, Group::new);
      group.channels.add(channel);
    }
    channel.onClose(reason -> unregister(channel, group));
  }

  private static void unregister(DefaultChannel channel, Group group) {
    synchronized (GROUPS) {
      group.channels.remove(channel);
      if (group.channels.isEmpty()) {
        GROUPS.remove(group.intervalNanos, group);
        group.stop();
      }
    }
  }

  /** For tests: whether channels with this interval have a running task. */
  static boolean running(Duration interval) {
    synchronized (GROUPS) {
      return GROUPS.containsKey(interval.toNanos());
    }
  }

  /**
   * The channels that share one interval, and the task that pings them. Channels are held weakly: one that its
   * transport dropped without closing is collected, not pinned here, and a group left empty stops itself.
   */
  private static final class Group {
    final long intervalNanos;
    final Set<DefaultChannel> channels = Collections.newSetFromMap(new WeakHashMap<>()); // guarded by GROUPS
    private final ScheduledExecutorService timer = SharedTimer.acquire();
    private final ScheduledFuture<?> task;

    Group(long intervalNanos) {
      this.intervalNanos = intervalNanos;
      this.task = timer.scheduleAtFixedRate(() -> tick(System.nanoTime()), intervalNanos, intervalNanos,
          TimeUnit.NANOSECONDS);
    }

    void tick(long now) {
      try {
        List<DefaultChannel> snapshot;
        synchronized (GROUPS) {
          if (channels.isEmpty()) {
            GROUPS.remove(intervalNanos, this);
            stop(); // every channel was collected without being closed
            return;
          }
          snapshot = new ArrayList<>(channels);
        }
        for (DefaultChannel channel : snapshot) {
          if (now - channel.lastSendNanos >= intervalNanos && channel.waiterCountIsZero()
              && channel.tryOffer(PING)) {
            channel.lastSendNanos = now;
          }
        }
      } catch (RuntimeException e) {
        // A periodic task that throws is never run again: keep the heartbeat alive whatever happens.
        log.warn("heartbeat failed", e);
      }
    }

    void stop() {
      task.cancel(false);
      SharedTimer.release(timer);
    }
  }
}
