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
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The sends waiting for room in one client's queue: frames parked in order, each with the future its producer
 * awaits, moved into the queue as the transport takes frames out. This is how a producer that awaits each send is
 * paced by its reader without a thread ever blocking.
 *
 * <p><b>Threading.</b> Thread-safe; its lock guards the parked frames and orders them against each other, and is
 * never held while a future completes or while anything outside the engine runs. Moving a frame into the queue does
 * not wake the transport: the channel does that once this class has released its lock.
 */
final class ParkedSends {
  private final int max;
  private final Counters counters;
  private final AtomicReference<@Nullable CloseReason> closeReason;
  private final Predicate<Frame> enqueue;
  private final BooleanSupplier dropOldest;

  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>(); // guarded by lock
  private volatile int count; // written under lock, read without

  /**
   * Makes an empty set of parked sends for one channel.
   *
   * @param max the most sends that may wait at once
   * @param counters where to count dropped frames
   * @param closeReason the channel's close reason, {@code null} while open
   * @param enqueue queues a frame if it fits and the channel is open, without waking the transport
   * @param dropOldest drops and counts the oldest queued frame; {@code false} if there was none
   */
  ParkedSends(int max, Counters counters, AtomicReference<@Nullable CloseReason> closeReason,
      Predicate<Frame> enqueue, BooleanSupplier dropOldest) {
    this.max = max;
    this.counters = counters;
    this.closeReason = closeReason;
    this.enqueue = enqueue;
    this.dropOldest = dropOldest;
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
    lock.lock();
    try {
      CloseReason reason = closeReason.get();
      if (reason != null) {
        return CompletableFuture.failedFuture(new ClientGoneException(reason));
      }
      if (waiters.size() >= max) {
        return CompletableFuture.failedFuture(new IllegalStateException(
            "too many sends are waiting for this client (" + max + "); await each send's stage"));
      }
      waiters.addLast(waiter);
      ready = pumpLocked(null);
    } finally {
      lock.unlock();
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
    lock.lock();
    try {
      ready = pumpLocked(null);
    } finally {
      lock.unlock();
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
    lock.lock();
    try {
      for (Waiter w : waiters) {
        if (w.done == parked) {
          waiter = w;
          break;
        }
      }
      if (waiter == null) {
        return false; // queued or failed meanwhile
      }
      if (policy == OverflowPolicy.DROP_NEWEST) {
        waiters.remove(waiter);
        count = waiters.size();
        counters.framesDropped.increment();
      }
    } finally {
      lock.unlock();
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
    return lock.isHeldByCurrentThread();
  }

  /** Fails every parked send: the channel closed for this reason. */
  void abandon(CloseReason reason) {
    List<Waiter> abandoned;
    lock.lock();
    try {
      abandoned = new ArrayList<>(waiters);
      waiters.clear();
      count = 0;
    } finally {
      lock.unlock();
    }
    ClientGoneException gone = new ClientGoneException(reason);
    for (Waiter waiter : abandoned) {
      waiter.done.completeExceptionally(gone);
    }
  }

  private boolean dropOldestFor(Frame frame, @Nullable Waiter parked) {
    List<Waiter> ready = null;
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
        if (waiters.size() >= max) {
          counters.framesDropped.increment();
          ready = add(ready, waiters.pollFirst());
        }
        waiters.addLast(new Waiter(frame));
        dropped = dropOldest.getAsBoolean();
      } else {
        while (!enqueue.test(frame)) {
          if (!dropOldest.getAsBoolean()) {
            break; // nothing left to drop: the channel closed
          }
          dropped = true;
        }
        if (parked != null) {
          ready = add(ready, parked);
        }
      }
      ready = pumpLocked(ready);
    } finally {
      lock.unlock();
    }
    completeAll(ready);
    return dropped;
  }

  /** Moves parked frames into the queue while they fit; adds those whose futures to complete to {@code ready}. */
  private @Nullable List<Waiter> pumpLocked(@Nullable List<Waiter> ready) {
    Waiter head;
    while ((head = waiters.peekFirst()) != null && enqueue.test(head.frame)) {
      ready = add(ready, waiters.pollFirst());
    }
    count = waiters.size();
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
