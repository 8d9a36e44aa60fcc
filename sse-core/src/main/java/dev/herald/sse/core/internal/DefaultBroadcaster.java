package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.BroadcasterStats;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Comment;
import dev.herald.sse.Event;
import dev.herald.sse.TooManyClientsException;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.EventEncoder;
import dev.herald.sse.core.OverflowPolicy;
import dev.herald.sse.spi.Channel;
import dev.herald.sse.spi.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link Broadcaster}: one lock orders broadcasts, subscriptions and the replay history, so every
 * client sees events in id order and a reconnecting client's replay meets the live stream with no gap and no
 * duplicate. The lock is held only to encode (when ids are assigned), record, and offer one shared frame to each
 * client's lock-free queue; nothing under it waits for a client.
 */
public final class DefaultBroadcaster implements Broadcaster {
  private static final Logger logger = LoggerFactory.getLogger(DefaultBroadcaster.class);
  private static final DefaultChannel[] NO_CLIENTS = new DefaultChannel[0];

  private final BroadcasterConfig config;
  private final ChannelConfig channelConfig;
  private final Counters counters = new Counters();
  private final @Nullable Frame greeting;
  private final Frame heartbeat;
  private final long heartbeatNanos;
  private final boolean disconnectStalled;
  private final ScheduledExecutorService scheduler;
  private final boolean sharedScheduler;
  private final @Nullable ScheduledFuture<?> heartbeatTask;

  private final ReentrantLock lock = new ReentrantLock();
  private DefaultChannel[] clients = new DefaultChannel[16]; // guarded by lock; [0, size) are live
  private int size; // guarded by lock
  private final EventLog log; // guarded by lock
  private volatile boolean closed;
  private volatile long lastBroadcastNanos = System.nanoTime();

  /**
   * Makes a broadcaster and starts its heartbeat.
   *
   * @param config the configuration
   */
  public DefaultBroadcaster(BroadcasterConfig config) {
    this.config = requireNonNull(config, "config");
    this.channelConfig = config.channel();
    Event greetingEvent = config.greeting();
    this.greeting = greetingEvent == null
        ? null
        : DefaultChannel.checkSize(EventEncoder.encode(greetingEvent), channelConfig.maxEventBytes());
    this.heartbeat = EventEncoder.encode(Comment.of(config.heartbeatComment()));
    Duration maxAge = config.historyMaxAge();
    History history = config.history() == 0
        ? null
        : new History(config.history(), maxAge == null ? Long.MAX_VALUE : maxAge.toNanos());
    this.log = new LocalEventLog(config.assignIds(), history, this::encode);
    ScheduledExecutorService own = config.scheduler();
    this.sharedScheduler = own == null;
    this.scheduler = own == null ? SharedTimer.acquire() : own;
    this.heartbeatNanos = config.heartbeat().toNanos();
    this.disconnectStalled = channelConfig.overflowPolicy() == OverflowPolicy.DISCONNECT;
    this.heartbeatTask = heartbeatNanos == 0
        ? null
        : scheduler.scheduleAtFixedRate(
            () -> heartbeat(System.nanoTime()), heartbeatNanos, heartbeatNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public Channel subscribe(@Nullable String lastEventId) {
    String resumeFrom = lastEventId == null || lastEventId.isEmpty() ? null : lastEventId;
    DefaultChannel channel = new DefaultChannel(channelConfig, resumeFrom, counters);
    boolean missed = false;
    lock.lock();
    try {
      checkOpen();
      if (size >= config.maxClients()) {
        throw new TooManyClientsException(config.maxClients());
      }
      if (greeting != null && channel.tryOffer(greeting)) {
        counters.framesQueued.increment();
      }
      if (resumeFrom != null) {
        List<Frame> replay = log.after(resumeFrom, System.nanoTime());
        if (replay == null) {
          missed = true;
          counters.replayMisses.increment();
        } else {
          counters.replayHits.increment();
          counters.framesQueued.add(replay.size());
          for (Frame frame : replay) {
            channel.offerReplay(frame);
          }
        }
      }
      if (size == clients.length) {
        clients = Arrays.copyOf(clients, size * 2);
      }
      channel.slot = size;
      clients[size++] = channel;
      counters.clientsConnected.increment();
    } finally {
      lock.unlock();
    }
    channel.onClose(reason -> remove(channel));
    if (missed) {
      try {
        config.onReplayMiss().onMiss(channel, resumeFrom);
      } catch (RuntimeException e) {
        logger.warn("the replay-miss handler failed", e);
      }
    }
    return channel;
  }

  @Override
  public int broadcast(Event event) {
    requireNonNull(event, "event");
    int queued = 0;
    List<DefaultChannel> slow = null;
    lock.lock();
    try {
      checkOpen();
      Frame frame = record(event);
      DefaultChannel[] targets = clients;
      for (int i = size - 1; i >= 0; i--) {
        DefaultChannel.Offer offer = targets[i].offer(frame);
        if (offer == DefaultChannel.Offer.QUEUED) {
          queued++;
        } else if (offer == DefaultChannel.Offer.FULL) {
          if (slow == null) {
            slow = new ArrayList<>();
          }
          slow.add(targets[i]);
        }
      }
    } finally {
      lock.unlock();
    }
    counters.framesQueued.add(queued);
    if (slow != null) {
      // Outside the lock: closing runs listeners, and each closed client removes itself under the lock.
      for (DefaultChannel channel : slow) {
        logger.debug("disconnecting a slow client: {}", channel);
        channel.close(CloseReason.SLOW_CONSUMER);
      }
    }
    return queued;
  }

  @Override
  public CompletionStage<Void> broadcastPaced(Event event) {
    requireNonNull(event, "event");
    int queued = 0;
    List<DefaultChannel> parkedOn = null;
    List<CompletableFuture<Void>> parked = null;
    lock.lock();
    try {
      checkOpen();
      Frame frame = record(event);
      for (int i = size - 1; i >= 0; i--) {
        DefaultChannel channel = clients[i];
        CompletableFuture<Void> wait = channel.offerOrPark(frame);
        if (wait == null) {
          queued++;
        } else {
          if (parked == null) {
            parked = new ArrayList<>();
            parkedOn = new ArrayList<>();
          }
          parked.add(wait);
          parkedOn.add(channel);
        }
      }
    } finally {
      lock.unlock();
    }
    counters.framesQueued.add(queued);
    if (parked == null) {
      return CompletableFuture.completedStage(null);
    }
    return new Pacing(parkedOn, parked).start();
  }

  @Override
  public int clientCount() {
    lock.lock();
    try {
      return size;
    } finally {
      lock.unlock();
    }
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
        counters.heartbeatsSent.sum());
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    DefaultChannel[] snapshot;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      snapshot = Arrays.copyOf(clients, size);
    } finally {
      lock.unlock();
    }
    if (heartbeatTask != null) {
      heartbeatTask.cancel(false);
    }
    for (DefaultChannel channel : snapshot) {
      channel.close(CloseReason.SERVER_CLOSED);
    }
    if (sharedScheduler) {
      SharedTimer.release(scheduler);
    }
    logger.debug("broadcaster closed; ended {} client streams", snapshot.length);
  }

  // ---- internals ----

  private Frame encode(Event event) {
    return DefaultChannel.checkSize(EventEncoder.encode(event), channelConfig.maxEventBytes());
  }

  /** Appends the event to the log and counts it; under lock, so the log's order is every client's order. */
  private Frame record(Event event) {
    long now = System.nanoTime();
    Frame frame = log.append(event, now);
    lastBroadcastNanos = now;
    counters.eventsBroadcast.increment();
    return frame;
  }

  private void remove(DefaultChannel channel) {
    lock.lock();
    try {
      int slot = channel.slot;
      if (slot < 0) {
        return;
      }
      DefaultChannel last = clients[--size];
      clients[slot] = last;
      last.slot = slot;
      clients[size] = null;
      channel.slot = -1;
      if (clients.length > 64 && size < clients.length / 4) {
        clients = Arrays.copyOf(clients, clients.length / 2);
      }
    } finally {
      lock.unlock();
    }
  }

  private DefaultChannel[] snapshot() {
    lock.lock();
    try {
      return size == 0 ? NO_CLIENTS : Arrays.copyOf(clients, size);
    } finally {
      lock.unlock();
    }
  }

  /** One heartbeat tick at this time; package-private so tests can drive the clock. */
  void heartbeat(long now) {
    try {
      if (now - lastBroadcastNanos < heartbeatNanos) {
        return; // every client got a broadcast within the interval
      }
      long sent = 0;
      List<DefaultChannel> stalled = null;
      for (DefaultChannel channel : snapshot()) {
        if (now - channel.lastSendNanos >= heartbeatNanos && channel.waiterCountIsZero()) {
          if (channel.tryOffer(heartbeat)) {
            channel.lastSendNanos = now;
            sent++;
          } else if (disconnectStalled && !channel.isClosed()) {
            // Nothing was queued for this client for a whole interval, yet its queue is still full: its transport
            // took nothing in that time. Without this, a client that stops reading and never closes (a half-open
            // connection) would be held forever once broadcasts stop.
            if (stalled == null) {
              stalled = new ArrayList<>();
            }
            stalled.add(channel);
          }
        }
      }
      counters.heartbeatsSent.add(sent);
      counters.framesQueued.add(sent);
      if (stalled != null) {
        for (DefaultChannel channel : stalled) {
          logger.debug("disconnecting a client whose full queue did not move for a heartbeat interval: {}", channel);
          channel.close(CloseReason.SLOW_CONSUMER);
        }
      }
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again: keep the heartbeat alive whatever happens.
      logger.warn("heartbeat failed", e);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("broadcaster is closed");
    }
  }

  /** One paced broadcast's wait for the clients that were full. */
  private final class Pacing {
    private final List<DefaultChannel> channels;
    private final List<CompletableFuture<Void>> parked;
    private final AtomicInteger outstanding;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    Pacing(List<DefaultChannel> channels, List<CompletableFuture<Void>> parked) {
      this.channels = channels;
      this.parked = parked;
      this.outstanding = new AtomicInteger(parked.size());
    }

    CompletionStage<Void> start() {
      for (CompletableFuture<Void> wait : parked) {
        // Queued, dropped or the client gone: either way this client is dealt with.
        wait.whenComplete((ignored, failure) -> {
          if (outstanding.decrementAndGet() == 0) {
            done.complete(null);
          }
        });
      }
      if (!done.isDone()) {
        try {
          ScheduledFuture<?> timeout =
              scheduler.schedule(this::expire, config.slowClientGrace().toNanos(), TimeUnit.NANOSECONDS);
          done.whenComplete((ignored, failure) -> timeout.cancel(false));
        } catch (RejectedExecutionException e) {
          expire(); // the scheduler is shut down: no grace to give
        }
      }
      return done;
    }

    private void expire() {
      for (int i = 0; i < parked.size(); i++) {
        if (!parked.get(i).isDone()) {
          channels.get(i).expire(parked.get(i));
        }
      }
    }
  }
}
