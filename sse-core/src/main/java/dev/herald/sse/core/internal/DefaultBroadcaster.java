package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.BackplaneUnavailableException;
import dev.herald.sse.Broadcaster;
import dev.herald.sse.BroadcasterStats;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import dev.herald.sse.Event;
import dev.herald.sse.TooManyClientsException;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.EventEncoder;
import dev.herald.sse.core.OverflowPolicy;
import dev.herald.sse.core.spi.Backplane;
import dev.herald.sse.core.spi.BackplaneEntry;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.spi.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 * client's lock-free queue; nothing under it waits for a client. Waking the transports a broadcast found idle
 * (scheduling a drain on an event loop or a container's pool) happens after the lock is released ({@link Wakes}).
 *
 * <p>With a {@link Backplane} the broadcaster is one node of a cluster, and the path splits in two. A broadcast only
 * publishes to the shared log (no lock, no waiting: the backplane's client is asynchronous). The backplane delivers
 * every entry of the log back, in log order, to {@link #deliver}, which under the lock does what a single-node
 * broadcast does: encode once (with the log's id), record in the local history, offer to every client. A client
 * that resumes from an id this node's history does not hold gets a {@link Resume}: if the id is at or past what
 * this node has delivered (the client came from a node that is ahead), it only skips live entries up to that id;
 * otherwise the replay is read from the log, outside the lock, while live entries are held for the client, and
 * when it arrives the replay and then the held entries newer than it are queued (a read that fails, the log being
 * unreachable, is tried again until {@code replayRetry} runs out, and only then is it a miss). Ids are totally
 * ordered, so comparing them is all the deduplication needed. No network round trip ever runs under the lock.
 *
 * <p>When the backplane reports a gap (an entry whose {@link BackplaneEntry#gapAfter()} is set: the log lost
 * entries this node had not delivered), the node forgets its history, whose replays would now skip the gap, and
 * hands each client to the replay-miss handler before it delivers that entry, as it does for a client whose
 * {@code Last-Event-ID} it cannot replay from.
 */
public final class DefaultBroadcaster implements Broadcaster {
  private static final Logger logger = LoggerFactory.getLogger(DefaultBroadcaster.class);
  /** The pause before the first retry of a replay the backplane could not read; each next one doubles it. */
  private static final long REPLAY_RETRY_FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  /** The longest pause between two reads of a replay. */
  private static final long REPLAY_RETRY_MAX_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(4);
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

  private final @Nullable Backplane backplane;
  private final @Nullable Comparator<String> idOrder;
  private @Nullable String lastDeliveredId; // guarded by lock: the newest log entry this node has delivered
  private @Nullable String gapBefore; // guarded by lock: the entry after a gap, from its report to its delivery

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
    this.backplane = config.backplane();
    this.idOrder = backplane == null ? null : requireNonNull(backplane.idOrder(), "idOrder");
    // With a backplane the log gives the ids, so the local log only encodes and keeps the node's history.
    this.log = new LocalEventLog(config.assignIds() && backplane == null, history, this::encode);
    ScheduledExecutorService own = config.scheduler();
    this.sharedScheduler = own == null;
    this.scheduler = own == null ? SharedTimer.acquire() : own;
    this.heartbeatNanos = config.heartbeat().toNanos();
    this.disconnectStalled = channelConfig.overflowPolicy() == OverflowPolicy.DISCONNECT;
    this.heartbeatTask = heartbeatNanos == 0
        ? null
        : scheduler.scheduleAtFixedRate(
            () -> heartbeat(System.nanoTime()), heartbeatNanos, heartbeatNanos, TimeUnit.NANOSECONDS);
    if (backplane != null) {
      try {
        backplane.start(config.history(), this::deliver);
      } catch (RuntimeException | Error e) {
        shutdown(false); // the backplane may serve another broadcaster: not ours to close
        throw e;
      }
    }
  }

  @Override
  public SseChannel subscribe(@Nullable String lastEventId) {
    String resumeFrom = lastEventId == null || lastEventId.isEmpty() ? null : lastEventId;
    DefaultChannel channel = new DefaultChannel(channelConfig, resumeFrom, counters);
    boolean missed = false;
    boolean fetch = false;
    lock.lock();
    try {
      checkOpen();
      if (size >= config.maxClients()) {
        throw new TooManyClientsException(config.maxClients());
      }
      // Its transport has not started yet, so queuing wakes no one under the lock.
      if (greeting != null && channel.tryOffer(greeting)) {
        counters.framesQueued.increment();
      }
      if (resumeFrom != null) {
        List<Frame> replay = log.after(resumeFrom, System.nanoTime());
        if (replay == null && backplane != null && config.history() > 0) {
          Resume resume = resumeAt(resumeFrom);
          if (resume == null) {
            missed = true;
            counters.replayMisses.increment();
          } else {
            channel.resume = resume;
            fetch = resume.held != null;
            if (!fetch) {
              counters.replayHits.increment();
            }
          }
        } else if (replay == null) {
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
      replayMissed(channel, requireNonNull(resumeFrom));
    }
    if (fetch) {
      readReplay(channel, requireNonNull(resumeFrom));
    }
    return channel;
  }

  private void replayMissed(DefaultChannel channel, String lastEventId) {
    try {
      config.onReplayMiss().onMiss(channel, lastEventId);
    } catch (RuntimeException e) {
      logger.warn("the replay-miss handler failed", e);
    }
  }

  @Override
  public int broadcast(Event event) {
    requireNonNull(event, "event");
    if (backplane != null) {
      CompletableFuture<String> published = publish(backplane, event);
      if (published.isCompletedExceptionally()) {
        throw unwrap(published); // known to be down: fail fast
      }
      published.whenComplete((id, failure) -> {
        if (failure != null) {
          logger.warn("a broadcast was not published: the backplane failed", failure);
        }
      });
      return 0;
    }
    int queued = 0;
    List<DefaultChannel> slow = null;
    Wakes wakes = null;
    lock.lock();
    try {
      checkOpen();
      Frame frame = record(event);
      DefaultChannel[] targets = clients;
      wakes = new Wakes(size);
      for (int i = size - 1; i >= 0; i--) {
        DefaultChannel.Offer offer = targets[i].offer(frame, wakes);
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
      if (wakes != null) {
        wakes.run(); // outside the lock; also after a failure, or a claimed wake-up would never come
      }
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
    if (backplane != null) {
      return publish(backplane, event).thenApply(id -> null);
    }
    int queued = 0;
    List<DefaultChannel> parkedOn = null;
    List<CompletableFuture<Void>> parked = null;
    Wakes wakes = null;
    lock.lock();
    try {
      checkOpen();
      Frame frame = record(event);
      wakes = new Wakes(size);
      for (int i = size - 1; i >= 0; i--) {
        DefaultChannel channel = clients[i];
        CompletableFuture<Void> wait = channel.offerOrPark(frame, wakes);
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
      if (wakes != null) {
        wakes.run(); // outside the lock; also after a failure, or a claimed wake-up would never come
      }
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
  public boolean isFull() {
    lock.lock();
    try {
      return size >= config.maxClients();
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
    shutdown(true);
  }

  private void shutdown(boolean closeBackplane) {
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
    if (closeBackplane && backplane != null) {
      try {
        backplane.close();
      } catch (RuntimeException e) {
        logger.warn("closing the backplane failed", e);
      }
    }
    logger.debug("broadcaster closed; ended {} client streams", snapshot.length);
  }

  // ---- the cluster path ----

  /**
   * Publishes an event to the shared log: checks it as a local broadcast would, then hands it over without waiting.
   */
  private CompletableFuture<String> publish(Backplane backplane, Event event) {
    checkOpen();
    if (event instanceof Data data && data.id() != null) {
      throw new IllegalArgumentException("a clustered broadcaster gives every event the backplane's id; this event"
          + " has its own: " + data.id());
    }
    if (mayExceedMaxSize(event)) {
      encode(event); // throws if too large, before any node sees it
    }
    CompletableFuture<String> published;
    try {
      published = backplane.publish(event).toCompletableFuture();
    } catch (RuntimeException e) {
      published = CompletableFuture.failedFuture(e);
    }
    published.whenComplete((id, failure) -> {
      if (failure != null) {
        counters.publishFailures.increment();
      }
    });
    return published;
  }

  /**
   * Tells whether an event may encode (without its id) to more than the size limit, from a bound that needs no
   * encoding: a char is at most 3 UTF-8 bytes, and a line break becomes at most the 7 bytes {@code "\ndata: "}.
   */
  private boolean mayExceedMaxSize(Event event) {
    long bound = event instanceof Data data
        ? 7L * data.data().length() + 3L * (data.name() == null ? 0 : data.name().length()) + 64
        : 7L * ((Comment) event).text().length() + 16;
    return bound > channelConfig.maxEventBytes();
  }

  private static RuntimeException unwrap(CompletableFuture<?> failed) {
    try {
      failed.join();
      throw new IllegalStateException("not failed");
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      return cause instanceof RuntimeException runtime
          ? runtime
          : new BackplaneUnavailableException("the backplane failed", cause);
    } catch (java.util.concurrent.CancellationException e) {
      return new BackplaneUnavailableException("the publication was cancelled", e);
    }
  }

  /**
   * Delivers one entry of the shared log to this node's clients: the clustered counterpart of
   * {@link #broadcast}. Called by the backplane, one entry at a time, in log order.
   */
  void deliver(BackplaneEntry entry) {
    Comparator<String> order = requireNonNull(idOrder);
    String gapAfter = entry.gapAfter();
    if (gapAfter != null) {
      gap(gapAfter, entry.id());
    }
    int queued = 0;
    List<DefaultChannel> slow = null;
    Wakes wakes = null;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      lastDeliveredId = entry.id();
      gapBefore = null;
      Event event = entry.event() instanceof Data data ? data.withId(entry.id()) : entry.event();
      Frame frame;
      try {
        frame = record(event);
      } catch (IllegalArgumentException e) {
        logger.warn("skipping log entry {}: {}", entry.id(), e.getMessage());
        return;
      }
      DefaultChannel[] targets = clients;
      for (int i = size - 1; i >= 0; i--) {
        DefaultChannel channel = targets[i];
        Resume resume = channel.resume;
        if (resume != null) {
          List<Resume.Held> held = resume.held;
          if (held != null) { // its replay is still being read: this entry waits behind it
            if (held.size() < channelConfig.maxQueuedEvents()) {
              held.add(new Resume.Held(entry.id(), frame));
            } else {
              slow = add(slow, channel);
            }
            continue;
          }
          if (order.compare(entry.id(), resume.skipThrough) <= 0) {
            continue; // the client has it already
          }
          channel.resume = null;
        }
        if (wakes == null) {
          wakes = new Wakes(size);
        }
        DefaultChannel.Offer offer = channel.offer(frame, wakes);
        if (offer == DefaultChannel.Offer.QUEUED) {
          queued++;
        } else if (offer == DefaultChannel.Offer.FULL) {
          slow = add(slow, channel);
        }
      }
    } finally {
      lock.unlock();
      if (wakes != null) {
        wakes.run(); // outside the lock; also after a failure, or a claimed wake-up would never come
      }
    }
    counters.framesQueued.add(queued);
    closeSlow(slow);
  }

  /**
   * Tells this node's clients that the log lost the entries between {@code lastId} and {@code nextId} before this
   * node delivered them: the cluster's form of a replay miss. Runs on the backplane's thread, before the entry
   * {@code nextId} is delivered, so each client is told before it gets that entry.
   */
  private void gap(String lastId, String nextId) {
    Comparator<String> order = requireNonNull(idOrder);
    List<DefaultChannel> missed = new ArrayList<>();
    lock.lock();
    try {
      if (closed) {
        return;
      }
      counters.backplaneGaps.increment();
      // The history holds entries from both sides of the gap: a replay from before it would skip it silently.
      // Forgotten, a resume from such an id is a miss (the log no longer has it either), and until nextId is
      // delivered, gapBefore turns away a client that resumes from before it but at or past lastDeliveredId.
      log.forgetHistory();
      gapBefore = nextId;
      for (int i = 0; i < size; i++) {
        DefaultChannel channel = clients[i];
        Resume resume = channel.resume;
        if (resume != null && resume.held == null && order.compare(resume.skipThrough, nextId) >= 0) {
          continue; // it came from a node that is ahead and already has the entries this node lost
        }
        missed.add(channel);
      }
    } finally {
      lock.unlock();
    }
    logger.debug("the backplane lost the entries between {} and {}; telling {} clients", lastId, nextId,
        missed.size());
    for (DefaultChannel channel : missed) {
      replayMissed(channel, lastId);
    }
  }

  /**
   * Decides, under the lock, how a client that resumes from an id not in this node's history picks up.
   *
   * @return how it resumes, or {@code null} if the id is not one of the log's
   */
  private @Nullable Resume resumeAt(String lastEventId) {
    Comparator<String> order = requireNonNull(idOrder);
    String last = lastDeliveredId;
    String gap = gapBefore;
    try {
      if (gap != null && order.compare(lastEventId, gap) < 0) {
        return null; // from before a gap being reported: it missed entries that no one can give it
      }
      if (last != null && order.compare(lastEventId, last) >= 0) {
        return new Resume(lastEventId, false); // it has everything this node delivered: skip up to its id
      }
      order.compare(lastEventId, lastEventId); // is it an id at all?
    } catch (IllegalArgumentException e) {
      return null;
    }
    return new Resume(lastEventId, true); // older than this node's history: read the replay from the log
  }

  /** Reads a client's replay from the log, outside the lock, and settles its resume when it arrives. */
  private void readReplay(DefaultChannel channel, String lastEventId) {
    readReplay(channel, lastEventId, 0, System.nanoTime() + config.replayRetry().toNanos());
  }

  /**
   * Reads a client's replay from the log; a read that fails is tried again, with a growing pause, until
   * {@code deadline}, so a client that resumes while the log is unreachable gets its replay once the log is back
   * rather than a miss. Meanwhile the live entries this node delivers are held for the client, as for any replay.
   */
  private void readReplay(DefaultChannel channel, String lastEventId, int attempt, long deadline) {
    CompletionStage<@Nullable List<BackplaneEntry>> replay;
    try {
      replay = requireNonNull(backplane).replay(lastEventId, config.history());
    } catch (RuntimeException e) {
      replay = CompletableFuture.failedFuture(e);
    }
    replay.whenComplete((entries, failure) -> {
      if (failure == null || !retryReplay(channel, lastEventId, attempt, deadline, failure)) {
        settle(channel, lastEventId, entries, failure);
      }
    });
  }

  /** Schedules another read of a replay that failed, if there is time left and the client still waits for it. */
  private boolean retryReplay(DefaultChannel channel, String lastEventId, int attempt, long deadline,
      Throwable failure) {
    long pause = Math.min(REPLAY_RETRY_MAX_PAUSE_NANOS, REPLAY_RETRY_FIRST_PAUSE_NANOS << Math.min(attempt, 8));
    lock.lock();
    try {
      Resume resume = channel.resume;
      if (closed || channel.slot < 0 || resume == null || resume.held == null
          || System.nanoTime() + pause - deadline > 0) {
        return false;
      }
    } finally {
      lock.unlock();
    }
    try {
      scheduler.schedule(() -> readReplay(channel, lastEventId, attempt + 1, deadline), pause,
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return false; // the scheduler is shut down: the broadcaster is closing
    }
    logger.debug("replay from {} could not be read from the backplane ({}); trying again in {} ms", lastEventId,
        failure.toString(), TimeUnit.NANOSECONDS.toMillis(pause));
    return true;
  }

  /** Queues a client's replay read from the log, then the live entries held meanwhile that are newer. */
  private void settle(DefaultChannel channel, String lastEventId, @Nullable List<BackplaneEntry> entries,
      @Nullable Throwable failure) {
    Comparator<String> order = requireNonNull(idOrder);
    boolean missed = false;
    lock.lock();
    try {
      Resume resume = channel.resume;
      List<Resume.Held> held = resume == null ? null : resume.held;
      if (resume == null || held == null) {
        return;
      }
      resume.held = null;
      if (closed || channel.slot < 0) {
        channel.resume = null;
        return;
      }
      int queued = 0;
      if (failure == null && entries != null) {
        counters.replayHits.increment();
        for (BackplaneEntry entry : entries) {
          if (entry.event() instanceof Data data) { // the history keeps data events only
            try {
              channel.offerReplay(encode(data.withId(entry.id())));
              queued++;
            } catch (IllegalArgumentException e) {
              logger.warn("skipping log entry {} in a replay: {}", entry.id(), e.getMessage());
            }
          }
          resume.skipThrough = entry.id();
        }
      } else {
        missed = true;
        counters.replayMisses.increment();
        logger.debug("replay from {} could not be read from the backplane", lastEventId, failure);
      }
      for (Resume.Held entry : held) {
        if (missed || order.compare(entry.id(), resume.skipThrough) > 0) {
          channel.offerReplay(entry.frame());
          queued++;
        }
      }
      if (missed) {
        channel.resume = null;
      }
      counters.framesQueued.add(queued);
    } finally {
      lock.unlock();
    }
    channel.wakeIfPending(null); // outside the lock, as every wake-up
    if (missed) {
      replayMissed(channel, lastEventId);
    }
  }

  private static List<DefaultChannel> add(@Nullable List<DefaultChannel> list, DefaultChannel channel) {
    List<DefaultChannel> out = list == null ? new ArrayList<>() : list;
    out.add(channel);
    return out;
  }

  private static void closeSlow(@Nullable List<DefaultChannel> slow) {
    if (slow != null) {
      for (DefaultChannel channel : slow) {
        logger.debug("disconnecting a slow client: {}", channel);
        channel.close(CloseReason.SLOW_CONSUMER);
      }
    }
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

  /** For tests: whether the calling thread holds this broadcaster's lock. */
  boolean lockHeldByCurrentThread() {
    return lock.isHeldByCurrentThread();
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
