package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.BroadcasterStats;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import dev.herald.sse.Event;
import dev.herald.sse.TooManyClientsException;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.DeliveryObserver;
import dev.herald.sse.core.EventEncoder;
import dev.herald.sse.core.OverflowPolicy;
import dev.herald.sse.core.spi.Backplane;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link Broadcaster}: one lock orders broadcasts, subscriptions and the replay history, so every
 * client sees events in id order and a reconnecting client's replay meets the live stream with no gap and no
 * duplicate. The lock is held only to encode, record, and offer one shared frame to each client's lock-free queue
 * ({@link Fanout}); nothing under it waits for a client, and no transport is woken under it.
 *
 * <p>The parts: the clients ({@link ClientSet}), the fan-out every broadcast takes ({@link Fanout}), the replay
 * history ({@link History}), the heartbeat ({@link Heartbeat}), and with a {@link Backplane} the cluster's side
 * ({@link ClusterNode}): a clustered broadcast only publishes to the shared log, and each entry the log delivers
 * back takes the same fan-out as a local broadcast.
 *
 * <p><b>Threading.</b> Thread-safe. The lock guards the clients, the history and the ids; close listeners, the
 * replay-miss handler and transport wake-ups run after it is released.
 */
public final class DefaultBroadcaster implements Broadcaster {
  private static final Logger logger = LoggerFactory.getLogger(DefaultBroadcaster.class);

  private final BroadcasterConfig config;
  private final ChannelConfig channelConfig;
  final Counters counters = new Counters();
  private final @Nullable Frame greeting;
  final ScheduledExecutorService scheduler;
  private final boolean sharedScheduler;
  private final long heartbeatNanos;
  private final Heartbeat heartbeat;
  private final @Nullable ScheduledFuture<?> heartbeatTask;
  private final LossReport lossReport = new LossReport(counters);
  private final ScheduledFuture<?> lossReportTask;

  final ReentrantLock lock = new ReentrantLock();
  final ClientSet clients = new ClientSet(); // guarded by lock
  private final boolean assignIds;
  private long lastId; // guarded by lock
  /**
   * The position before the first event, given to clients that connect before anything was broadcast: resuming
   * from it replays every event, while the history still holds the first.
   */
  private final String start;
  private @Nullable String newestId; // guarded by lock: the id of the newest event recorded
  private final @Nullable History history; // guarded by lock
  private volatile boolean closed;
  /** Completes once every stream this broadcaster had when it closed has ended. */
  private final CompletableFuture<Void> ending = new CompletableFuture<>();
  private volatile long lastBroadcastNanos = System.nanoTime();
  private final @Nullable ClusterNode cluster;
  /** Measures delivery delays, or {@code null} when no observer is set: then frames carry no time. */
  private final @Nullable DeliveryDelays delays;

  /**
   * Makes a broadcaster and starts its heartbeat.
   *
   * @param config the configuration
   */
  public DefaultBroadcaster(BroadcasterConfig config) {
    this.config = requireNonNull(config, "config");
    this.channelConfig = config.channel();
    DeliveryObserver observer = config.deliveryObserver();
    this.delays = observer == null ? null : new DeliveryDelays(observer);
    Event greetingEvent = config.greeting();
    this.greeting = greetingEvent == null ? null : encode(greetingEvent);
    Duration maxAge = config.historyMaxAge();
    this.history = config.history() == 0
        ? null
        : new History(config.history(), maxAge == null ? Long.MAX_VALUE : maxAge.toNanos());
    // Numbered from the clock unless told otherwise, so that a restarted server never reuses an id of the run before.
    this.lastId = (config.firstId() != 0 ? config.firstId() : System.currentTimeMillis() * 1000 + 1) - 1;
    this.start = Long.toString(lastId);
    Backplane backplane = config.backplane();
    this.cluster = backplane == null ? null : new ClusterNode(this, backplane, config);
    this.assignIds = config.assignIds() && backplane == null; // with a backplane, the log gives the ids
    ScheduledExecutorService own = config.scheduler();
    this.sharedScheduler = own == null;
    this.scheduler = own == null ? SharedTimer.acquire() : own;
    this.heartbeatNanos = config.heartbeat().toNanos();
    this.heartbeat = new Heartbeat(EventEncoder.encode(Comment.of(config.heartbeatComment())), heartbeatNanos,
        channelConfig.overflowPolicy() == OverflowPolicy.DISCONNECT, counters);
    this.heartbeatTask = heartbeatNanos == 0 ? null : heartbeat.schedule(scheduler, () -> heartbeat(System.nanoTime()));
    this.lossReportTask = scheduler.scheduleAtFixedRate(this::reportLoss, LossReport.INTERVAL_SECONDS,
        LossReport.INTERVAL_SECONDS, TimeUnit.SECONDS);
    if (cluster != null) {
      try {
        cluster.start();
      } catch (RuntimeException | Error e) {
        closeAll(false); // the backplane may serve another broadcaster: not ours to close
        throw e;
      }
    }
  }

  @Override
  public SseChannel subscribe(@Nullable String lastEventId) {
    String resumeFrom = lastEventId == null || lastEventId.isEmpty() ? null : lastEventId;
    DefaultChannel channel = new DefaultChannel(channelConfig, resumeFrom, counters,
        delays == null ? null : delays.sampler());
    boolean missed = false;
    boolean fetch = false;
    lock.lock();
    try {
      checkOpen();
      if (clients.size() >= config.maxClients()) {
        throw new TooManyClientsException(config.maxClients());
      }
      // Its transport has not started yet, so queuing wakes no one under the lock.
      if (greeting != null && channel.tryOffer(greeting)) {
        counters.framesQueued.increment();
      }
      if (resumeFrom != null) {
        List<Frame> replay = history == null ? null
            : assignIds && resumeFrom.equals(start) ? history.fromStart(System.nanoTime())
            : history.after(resumeFrom, System.nanoTime());
        if (replay != null) {
          counters.replayHits.increment();
          counters.framesQueued.add(replay.size());
          for (Frame frame : replay) {
            channel.offerReplay(frame);
          }
        } else if (cluster != null && config.history() > 0) {
          String evicted = history == null ? null : history.evictedIdIfFull(System.nanoTime());
          ClusterNode.Resumed resumed = cluster.resumeAt(channel, resumeFrom, evicted);
          missed = resumed == ClusterNode.Resumed.MISSED;
          fetch = resumed == ClusterNode.Resumed.READING;
          if (resumed != ClusterNode.Resumed.READING) {
            (missed ? counters.replayMisses : counters.replayHits).increment();
          }
        } else {
          missed = true;
          counters.replayMisses.increment();
        }
      }
      clients.add(channel);
      counters.clientsConnected.increment();
    } finally {
      lock.unlock();
    }
    channel.onClose(reason -> remove(channel));
    if (missed) {
      replayMissed(channel, requireNonNull(resumeFrom));
    }
    if (fetch) {
      requireNonNull(cluster).readReplay(channel, requireNonNull(resumeFrom));
    }
    if ((assignIds || cluster != null) && history != null && (resumeFrom == null || missed)) {
      markPosition(channel); // a replay's last event, or the id the client sent, already carries the position
    }
    return channel;
  }

  /**
   * Gives a new client, or one whose id was unknown, the current position at once, as an id-only block ({@code id: 42} and a blank line), which
   * sets an {@code EventSource}'s last event id without dispatching an event (WHATWG, "dispatch the event", step
   * 1). A client cut before any event reaches it (a burst right after it connected, as a slow consumer) then
   * reconnects with a {@code Last-Event-ID} and gets what it missed, or the replay-miss signal: never nothing.
   * Queued last, after the greeting and any replay-miss signal (whose empty id would otherwise clear it), under the
   * lock so that it is the newest id queued; before the transport starts, so it wakes no one.
   */
  private void markPosition(DefaultChannel channel) {
    lock.lock();
    try {
      // On a cluster the position is the newest log entry this node delivered; before the first, there is none to
      // give (the log's ids are its own, and no id stands for its start).
      String position = newestId != null ? newestId : cluster == null ? start : null;
      if (!closed && ClientSet.isMember(channel) && position != null) {
        channel.offerReplay(new ByteFrame(("id: " + position + "\n\n").getBytes(StandardCharsets.UTF_8)));
        counters.framesQueued.increment();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Hands a client whose {@code Last-Event-ID} cannot be replayed to the replay-miss handler; holding no lock. */
  void replayMissed(DefaultChannel channel, String lastEventId) {
    try {
      config.onReplayMiss().onMiss(channel, lastEventId);
    } catch (RuntimeException e) {
      logger.warn("the replay-miss handler failed", e);
    }
  }

  @Override
  public int broadcast(Event event) {
    requireNonNull(event, "event");
    if (cluster != null) {
      checkOpen();
      CompletableFuture<String> published = cluster.publish(event);
      if (published.isCompletedExceptionally()) {
        throw ClusterNode.unwrap(published); // known to be down: fail fast
      }
      published.whenComplete((id, failure) -> {
        if (failure != null) {
          // Counted (stats, and the minute's loss report at INFO); one line per failed event would flood the log
          // for as long as the backplane is away.
          logger.debug("a broadcast was not published: {}", failure.toString());
        }
      });
      return 0;
    }
    return fanOutOrFail(event, false).queued();
  }

  @Override
  public CompletionStage<Void> broadcastPaced(Event event) {
    requireNonNull(event, "event");
    if (cluster != null) {
      checkOpen();
      return cluster.publish(event).thenApply(id -> null);
    }
    return fanOutOrFail(event, true).pacing(scheduler, config.slowClientGrace());
  }

  private Fanout fanOutOrFail(Event event, boolean paced) {
    Fanout fanout = fanOut(event, paced, Fanout.TO_EVERYONE);
    if (fanout == null) {
      throw closedException();
    }
    return fanout;
  }

  /**
   * Records an event and offers its frame to the clients a route admits: the one fan-out path, taken by
   * {@link #broadcast}, {@link #broadcastPaced} and each entry a cluster's log delivers. Under the lock, if open,
   * it makes the route (a cluster's routing also updates its place in the log there), records the event, and
   * offers; after, it wakes the idle transports, counts, and disconnects the slow clients.
   *
   * @param event the event
   * @param paced whether full clients park the frame rather than meet their overflow policy
   * @param routing makes the route for this fan-out, under the lock
   * @return the finished fan-out, or {@code null} if the broadcaster is closed
   * @throws IllegalArgumentException if the event encodes to more than the size limit
   */
  @Nullable Fanout fanOut(Event event, boolean paced, Function<Fanout, Predicate<DefaultChannel>> routing) {
    Fanout fanout = null;
    lock.lock();
    try {
      if (closed) {
        return null;
      }
      fanout = new Fanout(paced, clients.size());
      Predicate<DefaultChannel> route = routing.apply(fanout);
      fanout.offerTo(record(event), clients, route);
    } finally {
      lock.unlock();
      if (fanout != null) {
        fanout.wakeIdle(); // outside the lock; also after a failure, or a claimed wake-up would never come
      }
    }
    fanout.finish(counters);
    return fanout;
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public int clientCount() {
    lock.lock();
    try {
      return clients.size();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isFull() {
    return clientCount() >= config.maxClients();
  }

  @Override
  public BroadcasterStats stats() {
    DefaultChannel[] snapshot = snapshot();
    long frames = 0;
    long bytes = 0;
    for (DefaultChannel channel : snapshot) {
      frames += channel.queuedFrames();
      bytes += channel.queuedBytes();
    }
    Backplane backplane = cluster == null ? null : cluster.backplane();
    return new BroadcasterStats(
        snapshot.length,
        counters.clientsConnected.sum(),
        counters.eventsBroadcast.sum(),
        counters.framesQueued.sum(),
        frames,
        bytes,
        counters.framesDropped.sum(),
        counters.slowClientsDisconnected.sum(),
        counters.replayHits.sum(),
        counters.replayMisses.sum(),
        counters.heartbeatsSent.sum(),
        backplane != null && !backplane.isUp(),
        backplane == null ? 0 : backplane.outages(),
        counters.publishFailures.sum(),
        counters.backplaneGaps.sum());
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closeAll(true);
  }

  @Override
  public CompletionStage<Void> shutdown() {
    closeAll(true);
    return ending.minimalCompletionStage();
  }

  private void closeAll(boolean closeBackplane) {
    DefaultChannel[] snapshot;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      snapshot = clients.snapshot();
    } finally {
      lock.unlock();
    }
    CompletableFuture<?>[] endings = new CompletableFuture<?>[snapshot.length];
    for (int i = 0; i < snapshot.length; i++) {
      endings[i] = snapshot[i].whenEnded();
    }
    // Completed off the transports' threads: what the application chained on the stage (stopping the server, say)
    // must not run on an event loop or a container thread.
    CompletableFuture.allOf(endings).whenCompleteAsync((done, failure) -> ending.complete(null));
    if (heartbeatTask != null) {
      heartbeatTask.cancel(false);
    }
    lossReportTask.cancel(false);
    reportLoss(); // what was lost since the last report, so that a short run says it too
    for (DefaultChannel channel : snapshot) {
      channel.close(CloseReason.SERVER_CLOSED);
    }
    if (sharedScheduler) {
      SharedTimer.release(scheduler);
    }
    if (closeBackplane && cluster != null) {
      try {
        cluster.backplane().close();
      } catch (RuntimeException e) {
        logger.warn("closing the backplane failed", e);
      }
    }
    logger.debug("broadcaster closed; ended {} client streams", snapshot.length);
  }

  /** Encodes a broadcast event with the time of its broadcast, for the delivery delay; enforces the size limit. */
  private Frame stamped(Event event, long now) {
    return DefaultChannel.checkSize(new ByteFrame(EventEncoder.encodeToBytes(event), now),
        channelConfig.maxEventBytes());
  }

  /** Encodes an event, enforcing the size limit. */
  Frame encode(Event event) {
    return DefaultChannel.checkSize(EventEncoder.encode(event), channelConfig.maxEventBytes());
  }

  /**
   * Under the lock: gives the event its id if this broadcaster assigns them, encodes it once, keeps it in the
   * history, and counts it. The lock's order is every client's order.
   */
  private Frame record(Event event) {
    long now = System.nanoTime();
    Event sent = event;
    String id = null;
    if (event instanceof Data data) {
      id = data.id();
      if (assignIds && id == null) {
        id = Long.toString(++lastId);
        sent = data.withId(id);
      }
    }
    Frame frame = delays == null ? encode(sent) : stamped(sent, now);
    if (history != null && event instanceof Data) {
      history.add(id, frame, now);
    }
    if (id != null) {
      newestId = id;
    }
    lastBroadcastNanos = now;
    counters.eventsBroadcast.increment();
    return frame;
  }

  /**
   * Under the lock: forgets the events kept for replay, so that no id recorded so far is found any more (after a
   * gap in a cluster's log, a replay from an id before the gap would skip it without a word).
   */
  void forgetHistory() {
    if (history != null) {
      history.clear();
    }
  }

  private void remove(DefaultChannel channel) {
    lock.lock();
    try {
      clients.remove(channel);
    } finally {
      lock.unlock();
    }
  }

  private DefaultChannel[] snapshot() {
    lock.lock();
    try {
      return clients.snapshot();
    } finally {
      lock.unlock();
    }
  }

  /** One heartbeat tick at this time; package-private so tests can drive the clock. */
  void heartbeat(long now) {
    if (now - lastBroadcastNanos >= heartbeatNanos) { // else every client got a broadcast within the interval
      heartbeat.tick(now, snapshot());
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

  /** For tests: whether the calling thread holds this broadcaster's lock. */
  boolean lockHeldByCurrentThread() {
    return lock.isHeldByCurrentThread();
  }

  private void checkOpen() {
    if (closed) {
      throw closedException();
    }
  }

  private static IllegalStateException closedException() {
    return new IllegalStateException("broadcaster is closed");
  }
}
