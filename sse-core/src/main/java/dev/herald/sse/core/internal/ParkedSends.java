package dev.herald.sse.core.internal;

import dev.herald.sse.ClientGoneException;
import dev.herald.sse.CloseReason;
import dev.herald.sse.core.OverflowPolicy;
import dev.herald.sse.spi.Frame;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The sends waiting for room in one client's queue: frames parked in order, each with the future its producer
 * awaits, moved into the queue as the transport takes frames out. This is how a producer that awaits each send is
 * paced by its reader without a thread ever blocking.
 *
 * <p><b>Threading.</b> Thread-safe; its lock (this object's monitor: the class is internal, so no one else
 * synchronizes on it) guards the parked frames and orders them against each other, and is never held while a future
 * completes or while anything outside the engine runs. Moving a frame into the queue does not wake the transport:
 * the channel does that once this class has released its lock.
 *
 * <p><b>Memory.</b> Every client's channel has one, and most never park a send (a broadcast's client, an idle
 * stream): the deque of waiters is made by the first send that parks, and the lock is a monitor, not a
 * {@code ReentrantLock}, so an unused instance is a few fields.
 */
final class ParkedSends {
  private static final ArrayDeque<Waiter> NO_WAITERS = new ArrayDeque<>(0); // never added to: see #waiters()

  private final int max;
  private final Counters counters;
  private final AtomicReference<@Nullable CloseReason> closeReason;
  private final DefaultChannel channel;

  private @Nullable ArrayDeque<Waiter> waiters; // guarded by this; made by the first send that parks
  private volatile int count; // written under the lock, read without

  /**
   * Makes an empty set of parked sends for one channel.
   *
   * @param max the most sends that may wait at once
   * @param counters where to count dropped frames
   * @param closeReason the channel's close reason, {@code null} while open
   * @param channel the channel whose queue takes the frames ({@link DefaultChannel#enqueue}, which does not wake
   *     the transport) and drops the oldest one ({@link DefaultChannel#dropOne})
   */
  ParkedSends(int max, Counters counters, AtomicReference<@Nullable CloseReason> closeReason,
      DefaultChannel channel) {
    this.max = max;
    this.counters = counters;
    this.closeReason = closeReason;
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

  /** Whether no send is waiting; read without the lock, so a send may be parking meanwhile. */
  boolean isEmpty() {
    return count == 0;
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
    Waiter waiter = new Waiter(frame);
    List<Waiter> ready;
    synchronized (this) {
      CloseReason reason = closeReason.get();
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
    List<Waiter> ready;
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
   * @param parked the future {@link #park} returned
   * @param policy the channel's overflow policy
   * @return {@code true} if the policy is to disconnect the client, which the caller does
   */
  boolean expire(CompletableFuture<Void> parked, OverflowPolicy policy) {
    Waiter waiter = null;
    synchronized (this) {
      ArrayDeque<Waiter> deque = waiters();
      for (Waiter w : deque) {
        if (w.done == parked) {
          waiter = w;
          break;
        }
      }
      if (waiter == null) {
        return false; // queued or failed meanwhile
      }
      if (policy == OverflowPolicy.DROP_NEWEST) {
        deque.remove(waiter);
        count = deque.size();
        counters.framesDropped.increment();
      }
    }
    switch (policy) {
      case DROP_NEWEST -> waiter.done.complete(null);
      case DROP_OLDEST -> dropOldestFor(waiter.frame, waiter);
      default -> {
        return true;
      }
    }
    return false;
  }

  /** For tests: whether the calling thread holds this class's lock. */
  boolean lockHeldByCurrentThread() {
    return Thread.holdsLock(this);
  }

  /** Fails every parked send: the channel closed for this reason. */
  void abandon(CloseReason reason) {
    List<Waiter> abandoned;
    synchronized (this) {
      ArrayDeque<Waiter> deque = waiters;
      if (deque == null || deque.isEmpty()) {
        return; // the usual close: nothing ever parked, or nothing is parked now
      }
      abandoned = new ArrayList<>(deque);
      deque.clear();
      count = 0;
    }
    ClientGoneException gone = new ClientGoneException(reason);
    for (Waiter waiter : abandoned) {
      waiter.done.completeExceptionally(gone);
    }
  }

  private boolean dropOldestFor(Frame frame, @Nullable Waiter parked) {
    List<Waiter> ready = null;
    boolean dropped = false;
    synchronized (this) {
      if (closeReason.get() != null) {
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
          ready = add(ready, deque.pollFirst());
        }
        deque.addLast(new Waiter(frame));
        dropped = channel.dropOne();
      } else {
        while (!channel.enqueue(frame)) {
          if (!channel.dropOne()) {
            break; // nothing left to drop: the channel closed
          }
          dropped = true;
        }
        if (parked != null) {
          ready = add(ready, parked);
        }
      }
      ready = pumpLocked(ready);
    }
    completeAll(ready);
    return dropped;
  }

  /** Moves parked frames into the queue while they fit; adds those whose futures to complete to {@code ready}. */
  private @Nullable List<Waiter> pumpLocked(@Nullable List<Waiter> ready) {
    ArrayDeque<Waiter> deque = waiters;
    if (deque == null) {
      return ready;
    }
    Waiter head;
    while ((head = deque.peekFirst()) != null && channel.enqueue(head.frame)) {
      ready = add(ready, deque.pollFirst());
    }
    count = deque.size();
    return ready;
  }

  private static List<Waiter> add(@Nullable List<Waiter> list, Waiter waiter) {
    List<Waiter> out = list == null ? new ArrayList<>() : list;
    out.add(waiter);
    return out;
  }

  private static void completeAll(@Nullable List<Waiter> ready) {
    if (ready != null) {
      for (Waiter waiter : ready) {
        waiter.done.complete(null);
      }
    }
  }

  /** A send waiting for room. */
  private static final class Waiter {
    final Frame frame;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    Waiter(Frame frame) {
      this.frame = frame;
    }
  }
}
