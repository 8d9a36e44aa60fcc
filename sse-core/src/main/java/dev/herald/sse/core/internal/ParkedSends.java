package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.ClientGoneException;
import dev.herald.sse.CloseReason;
import dev.herald.sse.core.OverflowPolicy;
import dev.herald.sse.spi.Frame;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The sends waiting for room in one client's queue: frames parked in order, each with the future its producer
 * awaits, moved into the queue as the transport takes frames out. This is how a producer that awaits each send is
 * paced by its reader without a thread ever blocking.
 *
 * <p>A paced send waits for the queue to fall to the pacing watermark, which may be well below the queue's
 * capacity ({@link dev.herald.sse.core.ChannelConfig#pacingWatermark()}): its frame is queued at once if there is
 * room (so a plain broadcast after it never overtakes it), and its producer is held as a <em>draining</em> waiter,
 * with no frame, until the transport has taken the queue down to the watermark. Frames park only when the queue is
 * full. A client that held a paced producer past the slow-client grace {@linkplain #lapse lapses}: it paces no one
 * until its queue is below the watermark again, so one stalled client holds a paced producer for one grace, then
 * fills its queue and meets its overflow policy.
 *
 * <p><b>Threading.</b> Thread-safe; its lock (this object's monitor: the class is internal, so no one else
 * synchronizes on it) guards the parked frames and orders them against each other, and is never held while a future
 * completes or while anything outside the engine runs. Moving a frame into the queue does not wake the transport:
 * the channel does that once this class has released its lock.
 *
 * <p><b>Memory.</b> Every client's channel has one, and most never park a send (a broadcast's client, an idle
 * stream): the deques of waiters are made by the first send that needs one, and the lock is a monitor, not a
 * {@code ReentrantLock}, so an unused instance is a few fields.
 */
final class ParkedSends {
  private static final ArrayDeque<Waiter> NO_WAITERS = new ArrayDeque<>(0); // never added to: see #waiters()

  private final int max;
  private final Counters counters;
  private final DefaultChannel channel;

  private @Nullable ArrayDeque<Waiter> waiters; // guarded by this; made by the first send that parks
  private volatile int count; // written under the lock, read without
  /**
   * Paced sends whose frames are queued, waiting for the queue to fall to the watermark, each held by its
   * {@linkplain Waiter#token() token} alone (its future, or its paced broadcast's group): on a cluster node every
   * client holds one per paced entry in flight, and a wrapper each cost more than the client's frame. Guarded by this.
   */
  private @Nullable ArrayDeque<Object> draining;
  private volatile int drainingCount; // written under the lock, read without
  private volatile boolean lapsed;

  /**
   * Makes an empty set of parked sends for one channel.
   *
   * @param max the most sends that may wait at once
   * @param counters where to count dropped frames
   * @param channel the channel whose queue takes the frames ({@link DefaultChannel#enqueue}, which does not wake
   *     the transport), drops the oldest one ({@link DefaultChannel#dropOne}) and has the pacing watermark
   */
  ParkedSends(int max, Counters counters, DefaultChannel channel) {
    this.max = max;
    this.counters = counters;
    this.channel = channel;
  }

  /** The waiters, read-only: an empty deque when no send ever parked. Call it holding the lock. */
  private ArrayDeque<Waiter> waiters() {
    ArrayDeque<Waiter> deque = waiters;
    return deque == null ? NO_WAITERS : deque;
  }

  /** The waiters, to add to. Call it holding the lock. */
  private ArrayDeque<Waiter> waitersToAdd() {
    ArrayDeque<Waiter> deque = waiters;
    if (deque == null) {
      deque = new ArrayDeque<>();
      waiters = deque;
    }
    return deque;
  }

  /** Whether no frame is parked; read without the lock, so a send may be parking meanwhile. */
  boolean isEmpty() {
    return count == 0;
  }

  /**
   * After the transport took a frame: whether a {@link #pump} may move a parked frame or release a draining send.
   * Reads no lock, so that a transport polling a queue no one waits on pays two volatile reads.
   */
  boolean needsPump() {
    return count != 0 || drainingCount != 0 && channel.boundedFrames() <= channel.watermark();
  }

  /**
   * Whether a paced send to this client is to wait for it: {@code false} while the client is {@linkplain #lapse
   * lapsed} and its queue still at or above the watermark (the send then meets the overflow policy as a plain
   * broadcast does). A lapsed client whose queue is below the watermark paces again.
   */
  boolean paces() {
    if (!lapsed) {
      return true;
    }
    if (channel.boundedFrames() < channel.watermark()) {
      lapsed = false;
      return true;
    }
    return false;
  }

  /**
   * Holds a paced send whose frame was just queued beyond the watermark until the queue is down to it.
   *
   * @return {@code null} if the queue is down to the watermark already (or the channel closed); otherwise a future
   *     that completes once it is, or once the channel closes (the frame was queued), or on {@link #expire}
   */
  @Nullable CompletableFuture<Void> awaitDrain() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    return holdUntilDrained(done) ? done : null;
  }

  /**
   * Holds one paced broadcast's producer, as {@link #awaitDrain()} does, through the fan-out's {@link PacingGroup}
   * rather than a future of its own: a paced broadcast holds thousands of clients at the watermark at once, and a
   * future per client, with the stage that combines them, cost more than the client's frame.
   *
   * @return {@code true} if the group is to wait for this client (it is released once the queue is down to the
   *     watermark, the channel closes, or the client {@linkplain #expire lapses} with the group as the token);
   *     {@code false} if the queue is down to the watermark already or the channel closed
   */
  boolean awaitDrain(PacingGroup group) {
    return holdUntilDrained(group);
  }

  /** Adds a draining send; returns whether it waits, {@code false} if released at once or the channel closed. */
  private boolean holdUntilDrained(Object token) {
    List<Object> ready;
    boolean waits;
    synchronized (this) {
      if (channel.closeReason() != null) {
        return false;
      }
      ArrayDeque<Object> list = drainingQueue();
      list.addLast(token);
      drainingCount = list.size(); // before looking at the queue, as the transport takes a frame before looking here
      // The transport may have taken the queue down to the watermark before this waiter was seen: look again. One
      // released at once is not completed: its producer goes on without waiting (a group never counted it).
      ready = pumpLocked(null);
      waits = ready == null || !ready.remove(token);
    }
    completeAll(ready);
    return waits;
  }

  int count() {
    return count;
  }

  /**
   * Parks a frame behind those already parked, then moves into the queue what fits (room may have freed up since
   * the caller found the queue full).
   *
   * @return a future that completes once the frame is queued, or fails with {@link ClientGoneException} if the
   *     channel closes first, or with {@link IllegalStateException} if too many sends wait already
   */
  CompletableFuture<Void> park(Frame frame) {
    return park(frame, false);
  }

  /**
   * Parks a frame as {@link #park(Frame)} does; a paced one's future, once its frame is queued, also waits for the
   * queue to fall to the watermark.
   */
  CompletableFuture<Void> park(Frame frame, boolean paced) {
    Waiter waiter = new Waiter(frame, paced);
    List<Object> ready;
    synchronized (this) {
      CloseReason reason = channel.closeReason();
      if (reason != null) {
        return CompletableFuture.failedFuture(new ClientGoneException(reason));
      }
      if (waiters().size() >= max) {
        return CompletableFuture.failedFuture(new IllegalStateException(
            "too many sends are waiting for this client (" + max + "); await each send's stage"));
      }
      waitersToAdd().addLast(waiter);
      ready = pumpLocked(null);
    }
    completeAll(ready);
    return waiter.done;
  }

  /**
   * Moves parked frames into the queue while they fit, oldest first.
   *
   * @return whether any was moved
   */
  boolean pump() {
    List<Object> ready;
    synchronized (this) {
      ready = pumpLocked(null);
    }
    completeAll(ready);
    return ready != null;
  }

  /**
   * Makes room for a broadcast's frame by dropping the oldest queued ones, then queues it; if sends are parked, the
   * frame is parked behind them instead (it may not overtake them), dropping the oldest parked one beyond the bound.
   *
   * @return whether anything was dropped
   */
  boolean dropOldestFor(Frame frame) {
    return dropOldestFor(frame, null);
  }

  /**
   * Gives up waiting for room for a parked frame and applies the overflow policy to it.
   *
   * @param parked the future {@link #park} or {@link #awaitDrain()} returned, or the group given to
   *     {@link #awaitDrain(PacingGroup)}
   * @param policy the channel's overflow policy
   * @return {@code true} if the policy is to disconnect the client, which the caller does
   */
  boolean expire(Object parked, OverflowPolicy policy) {
    Waiter waiter = null;
    boolean drained = false;
    synchronized (this) {
      ArrayDeque<Waiter> deque = waiters();
      for (Waiter w : deque) {
        if (w.token() == parked) {
          waiter = w;
          break;
        }
      }
      if (waiter == null) {
        drained = lapse(parked);
      } else {
        lapsed = true; // it held a paced producer for the grace: the next paced send meets the policy at once
      }
      if (waiter != null && policy == OverflowPolicy.DROP_NEWEST) {
        deque.remove(waiter);
        count = deque.size();
        counters.framesDropped.increment();
      }
    }
    if (waiter == null) {
      if (drained) {
        release(parked); // its frame is queued: the producer goes on, and this client paces no one
      }
      return false; // queued (with the queue down to the watermark) or failed meanwhile
    }
    switch (policy) {
      case DROP_NEWEST -> waiter.complete();
      case DROP_OLDEST -> dropOldestFor(waiter.frame, waiter);
      default -> {
        return true;
      }
    }
    return false;
  }

  /**
   * Under the lock: if this future is a draining send's, takes it out and marks the client lapsed: it held a paced
   * producer for the grace with a queue that still had room, so it keeps that room to catch up in (its overflow
   * policy applies once the queue is full) but paces no one until it is below the watermark again.
   */
  private boolean lapse(Object token) {
    ArrayDeque<Object> list = draining;
    if (list == null || !list.removeFirstOccurrence(token)) { // tokens have identity equality
      return false;
    }
    drainingCount = list.size();
    lapsed = true;
    return true;
  }

  /** Whether the client held a paced producer past the grace and has not yet come below the watermark. */
  boolean isLapsed() {
    return lapsed;
  }

  /** For tests: whether the calling thread holds this class's lock. */
  boolean lockHeldByCurrentThread() {
    return Thread.holdsLock(this);
  }

  /** Fails every parked send: the channel closed for this reason. */
  void abandon(CloseReason reason) {
    List<Waiter> abandoned;
    List<Object> queuedAlready = null;
    synchronized (this) {
      ArrayDeque<Waiter> deque = waiters;
      ArrayDeque<Object> list = draining;
      boolean parked = deque != null && !deque.isEmpty();
      boolean held = list != null && !list.isEmpty();
      if (!parked && !held) {
        return; // the usual close: nothing ever parked, or nothing is parked now
      }
      abandoned = parked ? new ArrayList<>(deque) : List.of();
      if (parked) {
        deque.clear();
        count = 0;
      }
      if (held) {
        queuedAlready = new ArrayList<>(list);
        list.clear();
        drainingCount = 0;
      }
    }
    ClientGoneException gone = new ClientGoneException(reason);
    for (Waiter waiter : abandoned) {
      waiter.fail(gone);
    }
    completeAll(queuedAlready); // their frames were queued, as a send's that completed before the close
  }

  private boolean dropOldestFor(Frame frame, @Nullable Waiter parked) {
    List<Object> ready = null;
    boolean dropped = false;
    synchronized (this) {
      if (channel.closeReason() != null) {
        return false;
      }
      ArrayDeque<Waiter> deque = waiters();
      if (parked != null) {
        deque.remove(parked);
      }
      if (parked == null && !deque.isEmpty()) {
        // Stay behind the frames already waiting: take the oldest queued frame's place for the first of them.
        if (deque.size() >= max) {
          counters.framesDropped.increment();
          ready = add(ready, requireNonNull(deque.pollFirst()).token());
        }
        deque.addLast(new Waiter(frame, false));
        dropped = channel.dropOne();
      } else {
        while (!channel.enqueue(frame)) {
          if (!channel.dropOne()) {
            break; // nothing left to drop: the channel closed
          }
          dropped = true;
        }
        if (parked != null) {
          ready = add(ready, parked.token());
        }
      }
      ready = pumpLocked(ready);
    }
    completeAll(ready);
    return dropped;
  }

  /** Moves parked frames into the queue while they fit; adds the tokens of the sends to release to {@code ready}. */
  private @Nullable List<Object> pumpLocked(@Nullable List<Object> ready) {
    ArrayDeque<Waiter> deque = waiters;
    if (deque != null) {
      Waiter head;
      while ((head = deque.peekFirst()) != null && channel.enqueue(head.frame)) {
        deque.pollFirst();
        if (head.paced && channel.boundedFrames() > channel.watermark()) {
          drainingQueue().addLast(head.token());
        } else {
          ready = add(ready, head.token());
        }
      }
      count = deque.size();
    }
    ArrayDeque<Object> list = draining;
    if (list != null && !list.isEmpty()) {
      long watermark = channel.watermark();
      while (!list.isEmpty() && channel.boundedFrames() <= watermark) {
        ready = add(ready, list.pollFirst());
      }
      drainingCount = list.size();
    }
    return ready;
  }

  private ArrayDeque<Object> drainingQueue() {
    ArrayDeque<Object> list = draining;
    if (list == null) {
      list = new ArrayDeque<>();
      draining = list;
    }
    return list;
  }

  private static List<Object> add(@Nullable List<Object> list, Object token) {
    List<Object> out = list == null ? new ArrayList<>() : list;
    out.add(token);
    return out;
  }

  private static void completeAll(@Nullable List<Object> ready) {
    if (ready != null) {
      for (Object token : ready) {
        release(token);
      }
    }
  }

  /**
   * Lets a send's producer go on, by its {@linkplain Waiter#token() token}: the frame is queued (and, if paced, the
   * queue down to the watermark).
   */
  @SuppressWarnings("unchecked") // a token is a PacingGroup or the CompletableFuture<Void> its send returned
  private static void release(Object token) {
    if (token instanceof PacingGroup group) {
      group.release();
    } else {
      ((CompletableFuture<Void>) token).complete(null);
    }
  }

  /** A parked send: a frame waiting for room in the queue, and the future its producer awaits. */
  private static final class Waiter {
    final Frame frame;
    /** Whether its producer also waits for the queue to fall to the watermark once the frame is queued. */
    final boolean paced;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    Waiter(Frame frame, boolean paced) {
      this.frame = frame;
      this.paced = paced;
    }

    /** What {@link #expire} finds this waiter by, and what releases its producer: its future. */
    Object token() {
      return done;
    }

    /** Lets its producer go on: the frame is queued (and, if paced, the queue down to the watermark). */
    void complete() {
      done.complete(null);
    }

    /** Fails its producer: the channel closed before the frame was queued. */
    void fail(Throwable cause) {
      done.completeExceptionally(cause);
    }
  }
}
