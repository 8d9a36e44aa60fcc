package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.CloseReason;
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
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heartbeat: a comment queued to each client that has received nothing for a whole interval, so that proxies
 * keep an idle stream open and a client that vanished is found by the failing write. A broadcaster ticks one for its
 * clients; channels that belong to no broadcaster {@linkplain #register register} with one that serves every such
 * channel with the same interval and comment.
 *
 * <p>A client with sends waiting for room is skipped (the ping would overtake them), and so is one whose queue is
 * full; under {@link dev.herald.sse.core.OverflowPolicy#DISCONNECT} a client whose queue is still full after an
 * interval in which nothing was queued for it is disconnected: its transport took nothing in that time, so it is
 * half-open or has stopped reading, and would otherwise be held forever once broadcasts stop.
 *
 * <p><b>Threading.</b> Ticks run on Herald's {@link SharedTimer} (or a broadcaster's own scheduler) and take no lock
 * while they queue. The registry of standalone channels is guarded by its own lock, and its timer task runs only
 * while such channels are open.
 */
public final class Heartbeat {
  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);
  private static final Map<Key, Group> GROUPS = new HashMap<>(); // guarded by itself

  private final Frame comment;
  private final long intervalNanos;
  private final boolean disconnectStalled;
  private final @Nullable Counters counters;

  /**
   * Makes a heartbeat.
   *
   * @param comment the comment to send
   * @param intervalNanos how long a client may go without a frame, positive
   * @param disconnectStalled whether to disconnect a client whose full queue did not move for an interval
   * @param counters where to count the heartbeats, or {@code null}
   */
  Heartbeat(Frame comment, long intervalNanos, boolean disconnectStalled, @Nullable Counters counters) {
    this.comment = requireNonNull(comment, "comment");
    this.intervalNanos = intervalNanos;
    this.disconnectStalled = disconnectStalled;
    this.counters = counters;
  }

  /** Runs {@code tick} every interval on {@code timer}. */
  ScheduledFuture<?> schedule(ScheduledExecutorService timer, Runnable tick) {
    return timer.scheduleAtFixedRate(tick, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
  }

  /** One tick at this time over these channels; holding no lock. */
  void tick(long now, DefaultChannel[] channels) {
    try {
      long sent = 0;
      List<DefaultChannel> stalled = null;
      for (DefaultChannel channel : channels) {
        if (now - channel.lastSendNanos < intervalNanos || !channel.waiterCountIsZero()) {
          continue;
        }
        if (channel.tryOffer(comment)) {
          channel.lastSendNanos = now;
          sent++;
        } else if (disconnectStalled && !channel.isClosed()) {
          if (stalled == null) {
            stalled = new ArrayList<>();
          }
          stalled.add(channel);
        }
      }
      if (counters != null) {
        counters.heartbeatsSent.add(sent);
        counters.framesQueued.add(sent);
      }
      if (stalled != null) {
        for (DefaultChannel channel : stalled) {
          log.debug("disconnecting a client whose full queue did not move for a heartbeat interval: {}", channel);
          channel.close(CloseReason.SLOW_CONSUMER);
        }
      }
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again: keep the heartbeat alive whatever happens.
      log.warn("heartbeat failed", e);
    }
  }

  /**
   * Sends a channel that belongs to no broadcaster this comment whenever it has received nothing for a whole
   * interval, until it closes.
   *
   * @param channel an open standalone channel
   * @param interval the heartbeat interval, positive
   * @param comment the comment
   */
  public static void register(DefaultChannel channel, Duration interval, Comment comment) {
    requireNonNull(channel, "channel");
    Key key = new Key(interval.toNanos(), comment.text());
    Group group;
    synchronized (GROUPS) {
      group = GROUPS.computeIfAbsent(key, Group::new);
      group.channels.add(channel);
    }
    channel.onClose(reason -> unregister(channel, group));
  }

  private static void unregister(DefaultChannel channel, Group group) {
    synchronized (GROUPS) {
      group.channels.remove(channel);
      if (group.channels.isEmpty()) {
        GROUPS.remove(group.key, group);
        group.stop();
      }
    }
  }

  /** For tests: whether standalone channels with this interval have a running task. */
  static boolean running(Duration interval) {
    synchronized (GROUPS) {
      return GROUPS.keySet().stream().anyMatch(key -> key.intervalNanos() == interval.toNanos());
    }
  }

  /** What standalone channels share a heartbeat by. */
  private record Key(long intervalNanos, String comment) {}

  /**
   * The standalone channels that share one interval and comment, and the task that pings them. Channels are held
   * weakly: one that its transport dropped without closing is collected, not pinned here, and a group left empty
   * stops itself.
   */
  private static final class Group {
    final Key key;
    final Set<DefaultChannel> channels = Collections.newSetFromMap(new WeakHashMap<>()); // guarded by GROUPS
    private final Heartbeat heartbeat;
    private final ScheduledExecutorService timer = SharedTimer.acquire();
    private final ScheduledFuture<?> task;

    Group(Key key) {
      this.key = key;
      // Standalone channels have no overflow policy (only broadcasts use it), so a stalled one is not disconnected.
      this.heartbeat = new Heartbeat(EventEncoder.encode(Comment.of(key.comment())), key.intervalNanos(), false,
          null);
      this.task = heartbeat.schedule(timer, () -> tick(System.nanoTime()));
    }

    void tick(long now) {
      DefaultChannel[] snapshot;
      synchronized (GROUPS) {
        if (channels.isEmpty()) {
          GROUPS.remove(key, this);
          stop(); // every channel was collected without being closed
          return;
        }
        snapshot = channels.toArray(new DefaultChannel[0]);
      }
      heartbeat.tick(now, snapshot);
    }

    void stop() {
      task.cancel(false);
      SharedTimer.release(timer);
    }
  }
}
