package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.ClientGoneException;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Event;
import dev.herald.sse.Sender;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.EventEncoder;
import dev.herald.sse.core.OverflowPolicy;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.spi.Frame;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded queue between a client's producers and its transport, and the {@link Sender} that fills it.
 *
 * <p>Hot path without locks: {@link #tryOffer} reserves room with one CAS on a word that packs the queued event
 * count and byte count, appends to a lock-free queue, and wakes the consumer only if it had gone idle (the
 * classic "idle flag" handshake: the consumer sets the flag and looks at the queue again; the producer appends and
 * then looks at the flag, so one of them always sees the other). The lock guards only the slow paths: sends that
 * wait for room, close listeners, and overflow handling.
 */
public final class DefaultChannel implements SseChannel, Sender {
  private static final Logger log = LoggerFactory.getLogger(DefaultChannel.class);
  private static final int BYTE_BITS = 40;
  private static final long BYTE_MASK = (1L << BYTE_BITS) - 1;
  private static final long ONE_EVENT = 1L << BYTE_BITS;
  private static final CompletionStage<Void> DONE = CompletableFuture.completedStage(null);

  /** What {@link #offer(Frame)} did with a frame. */
  public enum Offer {
    /** The frame is queued. */
    QUEUED,
    /** The queue was full and the policy dropped a frame (this one or older ones). */
    DROPPED,
    /** The queue was full and the policy is to disconnect: the caller closes the channel. */
    FULL,
    /** The channel is closed. */
    CLOSED
  }

  private final int maxEvents;
  private final long maxBytes;
  private final int maxEventBytes;
  private final OverflowPolicy policy;
  private final @Nullable String lastEventId;
  private final Counters counters;

  private final ConcurrentLinkedQueue<Frame> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong queued = new AtomicLong(); // events << BYTE_BITS | bytes
  private final AtomicLong replaying = new AtomicLong(); // the same, for replayed frames outside the bounds
  private final AtomicBoolean idle = new AtomicBoolean();
  private final AtomicReference<@Nullable CloseReason> closeReason = new AtomicReference<>();
  private volatile @Nullable Runnable onReady;

  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>(); // guarded by lock
  private volatile int waiterCount; // written under lock, read without
  private @Nullable List<Consumer<CloseReason>> listeners = new ArrayList<>(2); // guarded by lock; null once closed

  /** When a producer last queued something for this client alone; the heartbeat reads it. */
  volatile long lastSendNanos = System.nanoTime();
  /** This channel's slot in its broadcaster's client array, guarded by the broadcaster's lock. */
  int slot = -1;
  /**
   * On a clustered broadcaster, where this client resumes in the shared log while that is being settled; guarded
   * by the broadcaster's lock, and {@code null} (the only state a single-node broadcaster knows) once settled.
   */
  @Nullable Resume resume;

  /**
   * Makes an open channel.
   *
   * @param config the queue's limits and overflow policy
   * @param lastEventId the client's {@code Last-Event-ID}, or {@code null}
   * @param counters where to count drops and slow disconnects
   */
  public DefaultChannel(ChannelConfig config, @Nullable String lastEventId, Counters counters) {
    this.maxEvents = config.maxQueuedEvents();
    this.maxBytes = config.maxQueuedBytes();
    this.maxEventBytes = config.maxEventBytes();
    this.policy = config.overflowPolicy();
    this.lastEventId = lastEventId;
    this.counters = requireNonNull(counters, "counters");
  }

  // ---- Sender: the application's side ----

  @Override
  public CompletionStage<Void> send(Event event) {
    Frame frame = encode(event);
    lastSendNanos = System.nanoTime();
    CompletableFuture<Void> parked = offerOrPark(frame);
    return parked == null ? DONE : parked;
  }

  @Override
  public boolean trySend(Event event) {
    Frame frame = encode(event);
    lastSendNanos = System.nanoTime();
    return waiterCount == 0 && tryOffer(frame);
  }

  @Override
  public boolean isOpen() {
    return closeReason.get() == null;
  }

  @Override
  public @Nullable String lastEventId() {
    return lastEventId;
  }

  @Override
  public void onClose(Consumer<CloseReason> listener) {
    requireNonNull(listener, "listener");
    lock.lock();
    try {
      List<Consumer<CloseReason>> list = listeners;
      if (list != null) {
        list.add(listener);
        return;
      }
    } finally {
      lock.unlock();
    }
    notify(listener, requireNonNull(closeReason.get()));
  }

  @Override
  public void close() {
    close(CloseReason.SERVER_CLOSED);
  }

  // ---- SseChannel: the transport's side ----

  @Override
  public Sender sender() {
    return this;
  }

  @Override
  public void start(Runnable onReady) {
    requireNonNull(onReady, "onReady");
    lock.lock();
    try {
      if (this.onReady != null) {
        throw new IllegalStateException("channel already started");
      }
      this.onReady = onReady;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public @Nullable Frame poll() {
    CloseReason reason = closeReason.get();
    if (reason != null && reason != CloseReason.SERVER_CLOSED) {
      discardQueued();
      return null;
    }
    Frame frame = queue.poll();
    if (frame == null) {
      idle.set(true);
      frame = queue.poll(); // a producer may have appended before it could see the flag
      if (frame == null) {
        return null;
      }
      idle.set(false);
    }
    return taken(frame);
  }

  @Override
  public boolean hasPending() {
    CloseReason reason = closeReason.get();
    return (reason == null || reason == CloseReason.SERVER_CLOSED) && !queue.isEmpty();
  }

  @Override
  public boolean isClosed() {
    return closeReason.get() != null;
  }

  @Override
  public @Nullable CloseReason closeReason() {
    return closeReason.get();
  }

  @Override
  public void close(CloseReason reason) {
    requireNonNull(reason, "reason");
    if (!closeReason.compareAndSet(null, reason)) {
      return;
    }
    if (reason == CloseReason.SLOW_CONSUMER) {
      counters.slowClientsDisconnected.increment();
    }
    if (reason != CloseReason.SERVER_CLOSED) {
      discardQueued();
    }
    List<Waiter> abandoned;
    List<Consumer<CloseReason>> toNotify;
    lock.lock();
    try {
      abandoned = new ArrayList<>(waiters);
      waiters.clear();
      waiterCount = 0;
      toNotify = listeners;
      listeners = null;
    } finally {
      lock.unlock();
    }
    log.debug("client stream closed: {}", reason);
    ClientGoneException gone = new ClientGoneException(reason);
    for (Waiter waiter : abandoned) {
      waiter.fail(gone);
    }
    if (toNotify != null) {
      for (Consumer<CloseReason> listener : toNotify) {
        notify(listener, reason);
      }
    }
    Runnable ready = onReady;
    if (ready != null) {
      wake(ready);
    }
  }

  // ---- the engine's side ----

  /**
   * Encodes an event for this channel, enforcing the event size limit.
   *
   * @param event the event
   * @return its frame
   * @throws IllegalArgumentException if the event is too large
   */
  Frame encode(Event event) {
    requireNonNull(event, "event");
    return checkSize(EventEncoder.encode(event), maxEventBytes);
  }

  static Frame checkSize(Frame frame, int maxEventBytes) {
    if (frame.length() > maxEventBytes) {
      throw new IllegalArgumentException(
          "event is " + frame.length() + " bytes encoded; the limit (maxEventBytes) is " + maxEventBytes);
    }
    return frame;
  }

  /**
   * Queues a frame if there is room, ignoring waiting sends (the caller checks them).
   *
   * @param frame the frame
   * @return whether it was queued
   */
  boolean tryOffer(Frame frame) {
    if (!enqueue(frame)) {
      return false;
    }
    signal();
    return true;
  }

  /** Queues a frame if there is room, without waking the transport; the caller signals or defers the wake. */
  private boolean enqueue(Frame frame) {
    if (closeReason.get() != null) {
      return false;
    }
    int length = frame.length();
    long s;
    do {
      s = queued.get();
      if ((s >>> BYTE_BITS) >= maxEvents || (s & BYTE_MASK) + length > maxBytes) {
        return false;
      }
    } while (!queued.compareAndSet(s, s + ONE_EVENT + length));
    queue.offer(frame);
    return true;
  }

  /**
   * Queues a frame for a broadcast, applying the overflow policy when the queue is full.
   *
   * @param frame the frame
   * @return what happened to it
   */
  Offer offer(Frame frame) {
    return offer(frame, null);
  }

  /**
   * Queues a frame for a broadcast like {@link #offer(Frame)}, but if the transport was idle, adds this channel to
   * {@code wakes} instead of waking it here, so that a broadcaster wakes transports after releasing its lock.
   *
   * @param frame the frame
   * @param wakes where to defer the wake-up to, or {@code null} to wake at once
   * @return what happened to it
   */
  Offer offer(Frame frame, @Nullable Wakes wakes) {
    if (waiterCount == 0 && enqueue(frame)) {
      signal(wakes);
      return Offer.QUEUED;
    }
    if (closeReason.get() != null) {
      return Offer.CLOSED;
    }
    switch (policy) {
      case DROP_NEWEST:
        counters.framesDropped.increment();
        return Offer.DROPPED;
      case DROP_OLDEST:
        return dropOldestFor(frame, null) ? Offer.DROPPED : Offer.QUEUED;
      default:
        return Offer.FULL;
    }
  }

  /**
   * Queues a replay frame at the back of a channel nobody else sees yet, outside its bounds: the replay is bounded
   * by the history, and its bytes are shared with it.
   */
  void offerReplay(Frame frame) {
    replaying.addAndGet(ONE_EVENT + frame.length());
    queue.offer(new ReplayFrame(frame));
  }

  /**
   * Queues a replay frame outside the bounds, like {@link #offerReplay}, on a channel its transport may already be
   * draining, so waking the transport if it is idle.
   */
  void offerLateReplay(Frame frame) {
    offerReplay(frame);
    signal();
  }

  /**
   * Queues a frame now, or parks it behind earlier parked frames until there is room.
   *
   * @param frame the frame
   * @return {@code null} if queued now; otherwise a future that completes when it is queued, or fails with
   *     {@link ClientGoneException} if the channel closes first
   */
  @Nullable CompletableFuture<Void> offerOrPark(Frame frame) {
    return offerOrPark(frame, null);
  }

  /**
   * Queues a frame now or parks it, like {@link #offerOrPark(Frame)}, but defers waking an idle transport to
   * {@code wakes} when the frame is queued at once.
   *
   * @param frame the frame
   * @param wakes where to defer the wake-up to, or {@code null} to wake at once
   * @return {@code null} if queued now; otherwise a future as {@link #offerOrPark(Frame)} returns
   */
  @Nullable CompletableFuture<Void> offerOrPark(Frame frame, @Nullable Wakes wakes) {
    if (waiterCount == 0 && enqueue(frame)) {
      signal(wakes);
      return null;
    }
    Waiter waiter = new Waiter(frame);
    List<Waiter> ready;
    lock.lock();
    try {
      CloseReason reason = closeReason.get();
      if (reason != null) {
        return CompletableFuture.failedFuture(new ClientGoneException(reason));
      }
      if (waiters.size() >= maxEvents) {
        return CompletableFuture.failedFuture(new IllegalStateException(
            "too many sends are waiting for this client (" + maxEvents + "); await each send's stage"));
      }
      waiters.addLast(waiter);
      waiterCount = waiters.size();
      ready = pumpLocked();
    } finally {
      lock.unlock();
    }
    completeAll(ready);
    return waiter.done;
  }

  /**
   * Gives up waiting for room for a parked frame and applies the overflow policy to it.
   *
   * @param parked the future {@link #offerOrPark} returned
   */
  void expire(CompletableFuture<Void> parked) {
    Waiter waiter = null;
    lock.lock();
    try {
      for (Waiter w : waiters) {
        if (w.done == parked) {
          waiter = w;
          break;
        }
      }
      if (waiter == null) {
        return; // queued or failed meanwhile
      }
      if (policy == OverflowPolicy.DROP_NEWEST) {
        waiters.remove(waiter);
        waiterCount = waiters.size();
        counters.framesDropped.increment();
      }
    } finally {
      lock.unlock();
    }
    switch (policy) {
      case DROP_NEWEST -> waiter.done.complete(null);
      case DROP_OLDEST -> dropOldestFor(waiter.frame, waiter);
      default -> close(CloseReason.SLOW_CONSUMER);
    }
  }

  /**
   * Makes room for a frame by dropping the oldest queued ones, then queues it (or keeps it parked in order behind
   * other parked frames, dropping the oldest parked one beyond the bound).
   *
   * @return whether anything was dropped
   */
  private boolean dropOldestFor(Frame frame, @Nullable Waiter parked) {
    List<Waiter> ready;
    boolean dropped = false;
    lock.lock();
    try {
      if (closeReason.get() != null) {
        return false;
      }
      if (parked != null) {
        waiters.remove(parked);
      }
      if (parked == null && !waiters.isEmpty()) {
        // Stay behind the frames already waiting: take the oldest queued frame's place for the first of them.
        if (waiters.size() >= maxEvents) {
          Waiter oldest = waiters.pollFirst();
          counters.framesDropped.increment();
          oldest.done.complete(null);
        }
        waiters.addLast(new Waiter(frame));
        dropped = dropOne() || dropped;
      } else {
        while (!tryOffer(frame)) {
          if (!dropOne()) {
            break; // nothing left to drop: the channel closed
          }
          dropped = true;
        }
        if (parked != null) {
          parked.done.complete(null);
        }
      }
      waiterCount = waiters.size();
      ready = pumpLocked();
    } finally {
      lock.unlock();
    }
    completeAll(ready);
    return dropped;
  }

  private boolean dropOne() {
    Frame oldest = queue.poll();
    if (oldest == null) {
      return false;
    }
    release(oldest);
    counters.framesDropped.increment();
    return true;
  }

  /** Whether no send is waiting for room. */
  boolean waiterCountIsZero() {
    return waiterCount == 0;
  }

  /** Frames queued now, for stats. */
  long queuedFrames() {
    return (queued.get() >>> BYTE_BITS) + (replaying.get() >>> BYTE_BITS);
  }

  /** Bytes queued now, for stats. */
  long queuedBytes() {
    return (queued.get() & BYTE_MASK) + (replaying.get() & BYTE_MASK);
  }

  // ---- internals ----

  private Frame taken(Frame frame) {
    release(frame);
    if (frame instanceof ReplayFrame replay) {
      return replay.frame;
    }
    if (waiterCount != 0) {
      pump();
    }
    return frame;
  }

  private void release(Frame frame) {
    (frame instanceof ReplayFrame ? replaying : queued).addAndGet(-(ONE_EVENT + frame.length()));
  }

  private void discardQueued() {
    Frame frame;
    while ((frame = queue.poll()) != null) {
      release(frame);
    }
  }

  private void signal() {
    signal(null);
  }

  /** After queuing: if the transport was idle, claims the wake-up and wakes it now or adds it to {@code wakes}. */
  private void signal(@Nullable Wakes wakes) {
    if (idle.get() && idle.compareAndSet(true, false)) {
      if (wakes != null) {
        wakes.add(this);
      } else {
        wakeTransport();
      }
    }
  }

  /** Wakes the transport for a wake-up this channel claimed (see {@link #offer(Frame, Wakes)}). */
  void wakeTransport() {
    Runnable ready = onReady;
    if (ready != null) {
      wake(ready);
    }
  }

  private void wake(Runnable ready) {
    try {
      ready.run();
    } catch (RuntimeException e) {
      // The transport could not schedule a drain (its event loop is shutting down): the connection is gone.
      log.debug("could not wake the transport; closing the client", e);
      close(CloseReason.CLIENT_GONE);
    }
  }

  private void pump() {
    List<Waiter> ready;
    lock.lock();
    try {
      ready = pumpLocked();
    } finally {
      lock.unlock();
    }
    completeAll(ready);
  }

  /** Moves parked frames into the queue while they fit; returns those whose futures to complete. */
  private @Nullable List<Waiter> pumpLocked() {
    List<Waiter> ready = null;
    Waiter head;
    while ((head = waiters.peekFirst()) != null && tryOffer(head.frame)) {
      waiters.pollFirst();
      if (ready == null) {
        ready = new ArrayList<>();
      }
      ready.add(head);
    }
    waiterCount = waiters.size();
    return ready;
  }

  private static void completeAll(@Nullable List<Waiter> ready) {
    if (ready != null) {
      for (Waiter waiter : ready) {
        waiter.done.complete(null);
      }
    }
  }

  private static void notify(Consumer<CloseReason> listener, CloseReason reason) {
    try {
      listener.accept(reason);
    } catch (RuntimeException e) {
      log.warn("a close listener failed", e);
    }
  }

  @Override
  public String toString() {
    return "DefaultChannel{queued=" + queuedFrames() + " frames/" + queuedBytes() + " bytes, parked=" + waiterCount
        + ", closed=" + closeReason.get() + '}';
  }

  /** A send waiting for room. */
  private static final class Waiter {
    final Frame frame;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    Waiter(Frame frame) {
      this.frame = frame;
    }

    void fail(Throwable cause) {
      done.completeExceptionally(cause);
    }
  }

  /** A replayed frame, queued outside the channel's bounds. */
  private static final class ReplayFrame implements Frame {
    final Frame frame;

    ReplayFrame(Frame frame) {
      this.frame = frame;
    }

    @Override
    public int length() {
      return frame.length();
    }

    @Override
    public ByteBuffer buffer() {
      return frame.buffer();
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
      frame.writeTo(out);
    }
  }
}
