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
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's stream: the {@link Sender} the application writes to, the {@link SseChannel} its transport drains,
 * and, between them, a bounded {@link FrameQueue} and the {@link ParkedSends} waiting for room in it.
 *
 * <p>The hot path takes no lock: a broadcast's {@link #offer} reserves room in the queue with one CAS and wakes the
 * transport only if it had gone idle. A full queue is the broadcast's overflow policy's business; a full queue
 * under {@link #send} parks the frame until the transport makes room. A paced send ({@link #send}, a paced
 * broadcast) also holds its producer while the queue is at or above the pacing watermark ({@link #offerPaced}).
 *
 * <p><b>Threading.</b> Thread-safe. The transport's callback ({@code onReady}) never runs while any engine lock is
 * held (this channel's, its parked sends', or a broadcaster's): a wake-up schedules work with the host
 * (an event loop, a servlet container's {@code AsyncContext}), which may take the host's own lock, and the host may
 * hold that lock while it closes this channel. So every slow path queues under its lock and wakes after it, and a
 * broadcaster passes its {@link Fanout}, which wakes them once its lock is released.
 */
public final class DefaultChannel implements SseChannel, Sender {
  private static final Logger log = LoggerFactory.getLogger(DefaultChannel.class);
  private static final CompletionStage<Void> DONE = CompletableFuture.completedStage(null);
  /** The ending of every stream that ended before anyone waited for it: shared and completed, seen by the engine only. */
  private static final CompletableFuture<Void> DONE_ENDING = CompletableFuture.completedFuture(null);
  private static final VarHandle ENDED;
  private static final VarHandle CLOSE_REASON;

  static {
    try {
      ENDED = MethodHandles.lookup().findVarHandle(DefaultChannel.class, "ended", CompletableFuture.class);
      CLOSE_REASON = MethodHandles.lookup().findVarHandle(DefaultChannel.class, "closeReason", CloseReason.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** What {@link #offer} did with a frame. */
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

  private final int maxEventBytes;
  private final int watermark;
  private final OverflowPolicy policy;
  private final @Nullable String lastEventId;
  private final Counters counters;
  private final FrameQueue queue;
  private final ParkedSends parked;
  /** Measures delivery delays, or {@code null} when the broadcaster has no observer: then polls measure nothing. */
  private final DeliveryDelays.@Nullable Sampler delays;
  /**
   * Why the channel closed, {@code null} while open; set once, through {@link #CLOSE_REASON}. A field rather than an
   * atomic object of its own: every offer and poll reads it, and each object more is a cache line more per client.
   */
  private volatile @Nullable CloseReason closeReason;
  /** Completed when the transport is done with the stream; made by the first to wait for it or to end it. */
  private volatile @Nullable CompletableFuture<Void> ended; // set once, through ENDED
  private volatile @Nullable Runnable onReady;

  // The close listeners: almost every channel has exactly one (its broadcaster's), kept in a field of its own; a
  // list is made for more. Both are guarded by the parked sends' monitor (see lock()), and emptied when it closes.
  private @Nullable Consumer<CloseReason> listener;
  private @Nullable List<Consumer<CloseReason>> moreListeners;

  /** When a producer last queued something for this client alone; the heartbeat reads it. */
  volatile long lastSendNanos = System.nanoTime();
  /** This channel's slot in its broadcaster's client array, guarded by the broadcaster's lock. */
  int slot = -1;
  /** The broadcaster this channel subscribed to, if any; set before it is registered, read by any thread. */
  volatile @Nullable Object owner;
  /** This client's topics on a broadcaster, guarded by the broadcaster's lock. */
  ClientTopics subscription = ClientTopics.NONE;
  /** The last {@link TopicIndex} match that took this channel, so a match takes it once; guarded likewise. */
  long routeMark;
  /**
   * On a clustered broadcaster, where this client resumes in the shared log while that is being settled; guarded
   * by the broadcaster's lock, and {@code null} (the only state a single-node broadcaster knows) once settled.
   */
  ClusterNode.@Nullable Resume resume;

  /**
   * Makes an open channel.
   *
   * @param config the queue's limits and overflow policy
   * @param lastEventId the client's {@code Last-Event-ID}, or {@code null}
   * @param counters where to count drops and slow disconnects
   */
  public DefaultChannel(ChannelConfig config, @Nullable String lastEventId, Counters counters) {
    this(config, lastEventId, counters, null);
  }

  /**
   * Makes an open channel of a broadcaster that measures delivery delays.
   *
   * @param config the queue's limits and overflow policy
   * @param lastEventId the client's {@code Last-Event-ID}, or {@code null}
   * @param counters where to count drops and slow disconnects
   * @param delays the client's delay sampler, or {@code null} to measure nothing
   */
  DefaultChannel(ChannelConfig config, @Nullable String lastEventId, Counters counters,
      DeliveryDelays.@Nullable Sampler delays) {
    this.delays = delays;
    this.maxEventBytes = config.maxEventBytes();
    this.watermark = config.pacingWatermark();
    this.policy = config.overflowPolicy();
    this.lastEventId = lastEventId;
    this.counters = requireNonNull(counters, "counters");
    this.queue = new FrameQueue(config.maxQueuedEvents(), config.maxQueuedBytes());
    this.parked = new ParkedSends(config.maxQueuedEvents(), counters, this);
  }

  // ---- Sender: the application's side ----

  @Override
  public CompletionStage<Void> send(Event event) {
    Frame frame = encode(event);
    lastSendNanos = System.nanoTime();
    CompletableFuture<Void> waiting = offerPaced(frame, null);
    return waiting == null ? DONE : waiting;
  }

  @Override
  public boolean trySend(Event event) {
    Frame frame = encode(event);
    lastSendNanos = System.nanoTime();
    return parked.isEmpty() && tryOffer(frame);
  }

  @Override
  public boolean isOpen() {
    return closeReason == null;
  }

  @Override
  public @Nullable String lastEventId() {
    return lastEventId;
  }

  @Override
  public void onClose(Consumer<CloseReason> listener) {
    requireNonNull(listener, "listener");
    synchronized (lock()) {
      // closeOnce sets the reason before it takes the listeners under this lock: one added while the reason is
      // unset is taken and told there, one that finds it set is told here.
      if (closeReason == null) {
        if (this.listener == null) {
          this.listener = listener;
        } else {
          if (moreListeners == null) {
            moreListeners = new ArrayList<>(2);
          }
          requireNonNull(moreListeners).add(listener);
        }
        return;
      }
    }
    notify(listener, requireNonNull(closeReason));
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
    synchronized (lock()) {
      if (this.onReady != null) {
        throw new IllegalStateException("channel already started");
      }
      this.onReady = onReady;
    }
  }

  @Override
  public @Nullable Frame poll() {
    if (dropsItsQueue()) {
      return null;
    }
    Frame frame = queue.poll();
    if (frame != null) {
      if (dropsItsQueue()) {
        return null; // see poll(Frame[], long)
      }
      if (delays != null) {
        delays.polled(frame);
      }
      tookFrames();
    }
    return frame;
  }

  @Override
  public int poll(Frame[] frames, long maxBytes) {
    if (dropsItsQueue()) {
      return 0;
    }
    int count = queue.poll(frames, maxBytes);
    if (count > 0) {
      // A close that drops the queue (the client cut as slow, say) empties it from the closing thread, which takes
      // frames from the head while this takes them too: the frames taken here may then skip some that it took, a
      // gap the client would never hear of. Such a close sets the reason before it empties the queue, so a reason
      // still unset now means it took nothing yet; once it is set, nothing taken is handed out, and the stream
      // ends after the last frame written before it.
      if (dropsItsQueue()) {
        Arrays.fill(frames, 0, count, null);
        return 0;
      }
      if (delays != null) {
        for (int i = 0; i < count; i++) {
          delays.polled(frames[i]);
        }
      }
      tookFrames();
    }
    return count;
  }

  /** Whether the channel closed for a reason other than the server's: its queue is dropped, nothing handed out. */
  private boolean dropsItsQueue() {
    CloseReason reason = closeReason;
    if (reason != null && reason != CloseReason.SERVER_CLOSED) {
      queue.clear();
      return true;
    }
    return false;
  }

  /** After the transport took frames: moves parked sends into the room they left, or releases paced producers. */
  private void tookFrames() {
    if (parked.needsPump() && parked.pump()) {
      wakeIfPending(null);
    }
  }

  @Override
  public boolean hasPending() {
    CloseReason reason = closeReason;
    return (reason == null || reason == CloseReason.SERVER_CLOSED) && !queue.isEmpty();
  }

  @Override
  public boolean isClosed() {
    return closeReason != null;
  }

  @Override
  public @Nullable CloseReason closeReason() {
    return closeReason;
  }

  @Override
  public void close(CloseReason reason) {
    requireNonNull(reason, "reason");
    try {
      closeOnce(reason);
    } finally {
      // A client gone has nothing left to write; a channel no transport started has no response to end.
      if (reason == CloseReason.CLIENT_GONE || (reason != CloseReason.SERVER_CLOSED && onReady == null)) {
        ended();
      }
    }
  }

  @Override
  public void ended() {
    CompletableFuture<Void> stage = ended;
    if (stage == null) {
      ENDED.compareAndSet(this, null, DONE_ENDING);
      stage = requireNonNull(ended);
    }
    stage.complete(null);
  }

  /**
   * Returns a stage that completes once the transport is done with this stream (see {@link #ended()}).
   *
   * @return the stage; completed already if the stream has ended
   */
  public CompletableFuture<Void> whenEnded() {
    CompletableFuture<Void> stage = ended;
    if (stage != null) {
      return stage;
    }
    ENDED.compareAndSet(this, null, new CompletableFuture<Void>());
    return requireNonNull(ended);
  }

  private void closeOnce(CloseReason reason) {
    if (!CLOSE_REASON.compareAndSet(this, (CloseReason) null, reason)) {
      return;
    }
    if (reason == CloseReason.SLOW_CONSUMER) {
      counters.slowClientsDisconnected.increment();
    }
    if (reason != CloseReason.SERVER_CLOSED) {
      queue.clear();
    }
    Consumer<CloseReason> first;
    List<Consumer<CloseReason>> more;
    synchronized (lock()) {
      first = listener;
      more = moreListeners;
      listener = null;
      moreListeners = null;
    }
    log.debug("client stream closed: {}", reason);
    parked.abandon(reason);
    if (first != null) {
      notify(first, reason);
    }
    if (more != null) {
      for (Consumer<CloseReason> each : more) {
        notify(each, reason);
      }
    }
    Runnable ready = onReady;
    if (ready != null) {
      run(ready);
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
   * Queues a frame if there is room, ignoring waiting sends (the caller checks them), and wakes an idle transport.
   * Call it holding no engine lock.
   *
   * @param frame the frame
   * @return whether it was queued
   */
  boolean tryOffer(Frame frame) {
    if (!enqueue(frame)) {
      return false;
    }
    wake((Fanout) null);
    return true;
  }

  /** Queues a frame if the channel is open and there is room, without waking the transport. */
  boolean enqueue(Frame frame) {
    return closeReason == null && queue.offer(frame);
  }

  /** How many queued frames hold a paced send back: {@link ChannelConfig#pacingWatermark()}. */
  int watermark() {
    return watermark;
  }

  /** Frames queued now within the bounds, replayed ones not included. */
  long boundedFrames() {
    return queue.boundedFrames();
  }

  /** Queues a frame if the channel is open and the queue is below the pacing watermark, without waking anyone. */
  private boolean enqueueBelowWatermark(Frame frame) {
    return closeReason == null && queue.offer(frame, watermark);
  }

  /**
   * Queues a frame for a broadcast, applying the overflow policy when the queue is full. If the transport was idle,
   * its wake-up goes to {@code fanout}, for the broadcaster to run once it has released its lock.
   *
   * @param frame the frame
   * @param fanout where to defer the wake-up to
   * @return what happened to it
   */
  Offer offer(Frame frame, Fanout fanout) {
    if (parked.isEmpty() && enqueue(frame)) {
      wake(fanout);
      return Offer.QUEUED;
    }
    if (closeReason != null) {
      return Offer.CLOSED;
    }
    switch (policy) {
      case DROP_NEWEST:
        counters.framesDropped.increment();
        return Offer.DROPPED;
      case DROP_OLDEST:
        boolean dropped = parked.dropOldestFor(frame);
        wakeIfPending(fanout);
        return dropped ? Offer.DROPPED : Offer.QUEUED;
      default:
        return Offer.FULL;
    }
  }

  /**
   * Queues a replay frame outside the bounds, without waking the transport: on a channel nobody else sees yet, or
   * under a broadcaster's lock, whose holder calls {@link #wakeIfPending} once it has released it.
   */
  void offerReplay(Frame frame) {
    queue.offerUnbounded(frame);
  }

  /**
   * Queues a frame now, or parks it behind earlier parked frames until there is room. If it is queued at once and
   * the transport was idle, the wake-up goes to {@code fanout} when given.
   *
   * @param frame the frame
   * @param fanout where to defer the wake-up to, or {@code null} to wake at once (holding no engine lock)
   * @return {@code null} if queued now; otherwise a future that completes when it is queued, or fails with
   *     {@link ClientGoneException} if the channel closes first
   */
  @Nullable CompletableFuture<Void> offerOrPark(Frame frame, @Nullable Fanout fanout) {
    if (parked.isEmpty() && enqueue(frame)) {
      wake(fanout);
      return null;
    }
    CompletableFuture<Void> waiting = parked.park(frame);
    wakeIfPending(fanout);
    return waiting;
  }

  /**
   * Queues a paced send's frame and holds its producer while the queue holds the pacing watermark or more: queued
   * now and done if the queue is below it; queued now (if there is room) but held until the transport has taken
   * the queue down to it; or, if the queue is full, parked behind earlier parked frames and held likewise. So a
   * producer that awaits each paced send keeps at most about the watermark queued for this client, and a plain
   * broadcast still finds the rest of the queue. If the transport was idle, its wake-up goes to {@code fanout}
   * when given. A fan-out's producer held with its frame queued is held through the fan-out's
   * {@linkplain Fanout#held pacing group}, not a future of this channel's.
   *
   * @param frame the frame
   * @param fanout where to defer the wake-up to, or {@code null} to wake at once (holding no engine lock)
   * @return {@code null} if queued now below the watermark, or queued and held through the fan-out's group;
   *     otherwise a future that completes once the frame is queued and the queue down to the watermark (or the
   *     client {@linkplain #expire lapsed}, or closed after the frame was queued), or fails with
   *     {@link ClientGoneException} if the channel closes before it is queued
   */
  @Nullable CompletableFuture<Void> offerPaced(Frame frame, @Nullable Fanout fanout) {
    if (parked.isEmpty()) {
      if (enqueueBelowWatermark(frame)) {
        wake(fanout);
        return null;
      }
      if (enqueue(frame)) {
        wake(fanout);
        if (fanout != null) {
          PacingGroup group = fanout.pacingGroup();
          if (parked.awaitDrain(group)) {
            fanout.held(this);
          }
          return null;
        }
        return parked.awaitDrain();
      }
    }
    CompletableFuture<Void> waiting = parked.park(frame, true);
    wakeIfPending(fanout);
    return waiting;
  }

  /**
   * Whether a paced broadcast is to wait for this client; {@code false} for one that held a paced producer past the
   * slow-client grace and has not yet come below the pacing watermark, which gets the broadcast as a plain one
   * (queued while there is room, its overflow policy once its queue is full).
   */
  boolean pacesProducer() {
    return parked.paces();
  }

  /**
   * Gives up waiting for room for a parked frame, or for the queue to fall below the pacing watermark: the former
   * meets the overflow policy; the latter, already queued, releases its producer. Either way the client paces no
   * paced broadcast until its queue is below the watermark again.
   *
   * @param waiting the future {@link #offerOrPark} or {@link #offerPaced} returned, or the pacing group of the
   *     fan-out that {@linkplain Fanout#held held} it
   */
  void expire(Object waiting) {
    if (parked.expire(waiting, policy)) {
      close(CloseReason.SLOW_CONSUMER);
    } else {
      wakeIfPending(null);
    }
  }

  /** Drops and counts the oldest queued frame; returns whether there was one. */
  boolean dropOne() {
    if (!queue.dropOldest()) {
      return false;
    }
    counters.framesDropped.increment();
    return true;
  }

  /** Whether no send is waiting for room. */
  boolean waiterCountIsZero() {
    return parked.isEmpty();
  }

  /** Frames queued now, for stats. */
  long queuedFrames() {
    return queue.frames();
  }

  /** Bytes queued now, for stats. */
  long queuedBytes() {
    return queue.bytes();
  }

  /**
   * After a slow path that may have queued frames: wakes the transport if it is idle with frames queued, now or
   * (when {@code fanout} is given) once the broadcaster's lock is released. Call it holding no lock of this channel.
   */
  void wakeIfPending(@Nullable Fanout fanout) {
    if (!queue.isEmpty()) {
      wake(fanout);
    }
  }

  /** After queuing: if the transport was idle, claims the wake-up and wakes it now or adds it to {@code fanout}. */
  private void wake(@Nullable Fanout fanout) {
    if (queue.claimWake()) {
      if (fanout != null) {
        fanout.wake(this);
      } else {
        wakeTransport();
      }
    }
  }

  /** Wakes the transport for a wake-up this channel claimed; call it holding no engine lock. */
  void wakeTransport() {
    Runnable ready = onReady;
    if (ready != null) {
      run(ready);
    }
  }

  private void run(Runnable ready) {
    try {
      ready.run();
    } catch (RuntimeException e) {
      // The transport could not schedule a drain (its event loop is shutting down): the connection is gone.
      log.debug("could not wake the transport; closing the client", e);
      close(CloseReason.CLIENT_GONE);
    }
  }

  /**
   * The monitor that guards the transport's callback being set and the close listeners: the parked sends' own, so
   * that a channel carries one lock (an idle stream's memory is mostly such objects). Neither is held while the
   * other's work calls out, so sharing it orders nothing new.
   */
  private Object lock() {
    return parked;
  }

  /** For tests: whether the calling thread holds this channel's lock. */
  boolean lockHeldByCurrentThread() {
    return parked.lockHeldByCurrentThread();
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
    return "DefaultChannel{queued=" + queuedFrames() + " frames/" + queuedBytes() + " bytes, parked="
        + parked.count() + ", closed=" + closeReason + '}';
  }
}
