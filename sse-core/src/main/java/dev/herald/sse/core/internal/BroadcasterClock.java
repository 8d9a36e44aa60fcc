package dev.herald.sse.core.internal;

import dev.herald.sse.Comment;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.EventEncoder;
import dev.herald.sse.core.OverflowPolicy;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a broadcaster runs on the clock: its scheduler (Herald's shared timer, or the application's), the heartbeat
 * to its idle clients, and the minute's loss report; stopped once, when the broadcaster closes.
 *
 * <p><b>Threading.</b> Thread-safe. The tasks run on the scheduler and take the broadcaster's lock only through the
 * client snapshot they are given.
 */
final class BroadcasterClock {
  // Logged as the broadcaster, whose report it is.
  private static final Logger logger = LoggerFactory.getLogger(DefaultBroadcaster.class);

  final ScheduledExecutorService scheduler;
  private final boolean sharedScheduler;
  private final long heartbeatNanos;
  private final Heartbeat heartbeat;
  private final Supplier<DefaultChannel[]> clients;
  private final @Nullable ScheduledFuture<?> heartbeatTask;
  private final LossReport lossReport;
  private final ScheduledFuture<?> lossReportTask;
  private volatile long lastBroadcastNanos = System.nanoTime();

  /** Takes a scheduler and starts the broadcaster's tasks on it. */
  BroadcasterClock(BroadcasterConfig config, Counters counters, Supplier<DefaultChannel[]> clients) {
    ScheduledExecutorService own = config.scheduler();
    this.sharedScheduler = own == null;
    this.scheduler = own == null ? SharedTimer.acquire() : own;
    this.clients = clients;
    this.heartbeatNanos = config.heartbeat().toNanos();
    this.heartbeat = new Heartbeat(EventEncoder.encode(Comment.of(config.heartbeatComment())), heartbeatNanos,
        config.channel().overflowPolicy() == OverflowPolicy.DISCONNECT, counters);
    this.heartbeatTask = heartbeatNanos == 0 ? null : heartbeat.schedule(scheduler, () -> tick(System.nanoTime()));
    this.lossReport = new LossReport(counters);
    this.lossReportTask = scheduler.scheduleAtFixedRate(this::reportLoss, LossReport.INTERVAL_SECONDS,
        LossReport.INTERVAL_SECONDS, TimeUnit.SECONDS);
  }

  /** Notes that every client was just offered an event, so none needs a heartbeat for an interval. */
  void broadcastAt(long nowNanos) {
    lastBroadcastNanos = nowNanos;
  }

  /** One heartbeat tick at this time. */
  void tick(long now) {
    if (now - lastBroadcastNanos >= heartbeatNanos) { // else every client got a broadcast within the interval
      heartbeat.tick(now, clients.get());
    }
  }

  /** Stops the tasks, reports what was lost since the last report, and gives back a shared scheduler. */
  void stop() {
    if (heartbeatTask != null) {
      heartbeatTask.cancel(false);
    }
    lossReportTask.cancel(false);
    reportLoss(); // what was lost since the last report, so that a short run says it too
    if (sharedScheduler) {
      SharedTimer.release(scheduler);
    }
  }

  /** Logs what clients lost since the last report, if anything: one INFO line at most per interval. */
  private void reportLoss() {
    try {
      String line = lossReport.next();
      if (line != null) {
        logger.info(line);
      }
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again.
      logger.warn("reporting lost events failed", e);
    }
  }
}
