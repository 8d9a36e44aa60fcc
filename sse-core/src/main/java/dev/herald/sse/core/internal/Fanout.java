package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.CloseReason;
import dev.herald.sse.spi.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One frame's fan-out to a broadcaster's clients: the one path that a broadcast, a paced broadcast and an entry
 * delivered from a cluster's log all take. Under the broadcaster's lock, {@link #offerTo} offers the shared frame
 * to every client a route admits; once the lock is released, {@link #wakeIdle} wakes the transports it found idle
 * and {@link #finish} counts and disconnects the clients the overflow policy gave up on. A paced fan-out parks the
 * frame for clients at their pacing watermark, and {@link #pacing} waits for them; a client that lapsed (it held a
 * paced producer past the grace) gets it as a plain broadcast's.
 *
 * <p>The route decides who hears the frame; it may also take a client aside (a cluster's client whose replay is
 * still being read holds the frame instead), using {@link #disconnect} if that client is to go.
 *
 * <p><b>Threading.</b> Not thread-safe: one fan-out's, filled under the broadcaster's lock and finished by the same
 * thread after it releases the lock.
 */
final class Fanout {
  private static final Logger log = LoggerFactory.getLogger(Fanout.class);
  /** The route of a broadcast that every client hears. */
  static final Predicate<DefaultChannel> EVERYONE = channel -> true;
  /** The routing of a broadcast that every client hears. */
  static final Function<Fanout, Predicate<DefaultChannel>> TO_EVERYONE = fanout -> EVERYONE;

  private final boolean paced;
  private final int capacity;
  private @Nullable Frame frame;
  private DefaultChannel @Nullable [] idle; // made at the first one, so a busy fan-out makes none
  private int idleCount;
  private int queued;
  private @Nullable List<DefaultChannel> slow;
  private @Nullable List<DefaultChannel> parkedOn;
  private @Nullable List<CompletableFuture<Void>> parked;
  private @Nullable PacingGroup group; // made by the first client at its watermark
  private @Nullable List<DefaultChannel> heldOn;

  /**
   * Makes one frame's fan-out.
   *
   * @param paced whether to park the frame for a full client rather than apply its overflow policy
   * @param capacity the most clients it may reach: the broadcaster's client count
   */
  Fanout(boolean paced, int capacity) {
    this.paced = paced;
    this.capacity = capacity;
  }

  /** Under the broadcaster's lock: offers the shared frame to each client the route admits. */
  void offerTo(Frame frame, ClientSet clients, Predicate<DefaultChannel> route) {
    this.frame = frame;
    for (int i = clients.size() - 1; i >= 0; i--) {
      DefaultChannel channel = clients.get(i);
      if (route.test(channel)) {
        offer(channel, frame);
      }
    }
  }

  /**
   * Under the broadcaster's lock: offers the shared frame to each of these clients, found by a topic's index, that
   * the route admits.
   */
  void offerToEach(Frame frame, List<DefaultChannel> channels, Predicate<DefaultChannel> route) {
    this.frame = frame;
    for (DefaultChannel channel : channels) {
      if (route.test(channel)) {
        offer(channel, frame);
      }
    }
  }

  /** The frame being fanned out, once {@link #offerTo} has begun. */
  Frame frame() {
    return requireNonNull(frame, "frame");
  }

  private void offer(DefaultChannel channel, Frame frame) {
    if (paced && channel.pacesProducer()) {
      CompletableFuture<Void> wait = channel.offerPaced(frame, this);
      if (wait == null) {
        queued++;
        return;
      }
      if (!refused(wait)) {
        if (parked == null) {
          parked = new ArrayList<>();
          parkedOn = new ArrayList<>();
        }
        parked.add(wait);
        parkedOn.add(channel);
        return;
      }
      // As many sends as the queue holds wait for this client already (paced producers on several nodes, say):
      // the frame meets the overflow policy as a plain broadcast's would, rather than vanish.
    }
    DefaultChannel.Offer offer = channel.offer(frame, this);
    if (offer == DefaultChannel.Offer.QUEUED) {
      queued++;
    } else if (offer == DefaultChannel.Offer.FULL) {
      disconnect(channel);
    }
  }

  /** Whether a paced offer was refused outright because too many sends wait for the client already. */
  private static boolean refused(CompletableFuture<Void> wait) {
    if (!wait.isCompletedExceptionally()) {
      return false;
    }
    try {
      wait.getNow(null);
      return false;
    } catch (CompletionException e) {
      return e.getCause() instanceof IllegalStateException;
    } catch (CancellationException e) {
      return false;
    }
  }

  /** The group that the clients at their pacing watermark hold this fan-out's producer through. */
  PacingGroup pacingGroup() {
    PacingGroup g = group;
    if (g == null) {
      g = new PacingGroup();
      group = g;
    }
    return g;
  }

  /** A client queued the frame at or above its watermark and holds the producer through {@link #pacingGroup}. */
  void held(DefaultChannel channel) {
    if (heldOn == null) {
      heldOn = new ArrayList<>();
    }
    heldOn.add(channel);
  }

  /** Marks a client to be disconnected as a slow consumer once the lock is released. */
  void disconnect(DefaultChannel channel) {
    if (slow == null) {
      slow = new ArrayList<>();
    }
    slow.add(channel);
  }

  /** Adds a channel whose transport was idle and is to be woken; each channel claims its wake-up at most once. */
  void wake(DefaultChannel channel) {
    DefaultChannel[] array = idle;
    if (array == null) {
      array = new DefaultChannel[capacity];
      idle = array;
    }
    array[idleCount++] = channel;
  }

  /** After the lock: wakes every transport found idle (also after a failure, or a claimed wake-up never comes). */
  void wakeIdle() {
    DefaultChannel[] array = idle;
    for (int i = 0; i < idleCount; i++) {
      array[i].wakeTransport();
    }
  }

  /**
   * After the lock: counts the queued frames and disconnects the slow clients (closing runs listeners, and each
   * closed client removes itself under the lock).
   *
   * @return how many clients the frame was queued for
   */
  int finish(Counters counters) {
    counters.framesQueued.add(queued);
    if (slow != null) {
      for (DefaultChannel channel : slow) {
        log.debug("disconnecting a slow client: {}", channel);
        channel.close(CloseReason.SLOW_CONSUMER);
      }
    }
    return queued;
  }

  /** How many clients the frame was queued for at once. */
  int queued() {
    return queued;
  }

  /**
   * After the lock, for a paced fan-out: a stage that completes once every client the frame waited for has queued
   * it below its pacing watermark, dropped it or gone. After {@code grace}, a client still full gets its overflow
   * policy, and one that queued the frame but is still at or above the watermark releases the producer; either
   * lapses, pacing no paced broadcast until it is below the watermark again.
   */
  CompletionStage<Void> pacing(ScheduledExecutorService scheduler, Duration grace) {
    List<CompletableFuture<Void>> waits = parked != null ? parked : List.of();
    List<DefaultChannel> channels = parkedOn != null ? parkedOn : List.of();
    List<DefaultChannel> held = heldOn != null ? heldOn : List.of();
    if (waits.isEmpty() && held.isEmpty()) {
      return CompletableFuture.completedStage(null);
    }
    PacingGroup all = pacingGroup();
    CompletableFuture<Void> done = all.done();
    for (CompletableFuture<Void> wait : waits) {
      // Queued, dropped or the client gone: either way this client is dealt with.
      wait.whenComplete((ignored, failure) -> all.release());
    }
    all.add(waits.size() + held.size());
    if (!done.isDone()) {
      Runnable expire = () -> {
        for (int i = 0; i < waits.size(); i++) {
          if (!waits.get(i).isDone()) {
            channels.get(i).expire(waits.get(i));
          }
        }
        for (DefaultChannel channel : held) {
          channel.expire(all); // does nothing for a client that let go already
        }
      };
      try {
        ScheduledFuture<?> timeout = scheduler.schedule(expire, grace.toNanos(), TimeUnit.NANOSECONDS);
        done.whenComplete((ignored, failure) -> timeout.cancel(false));
      } catch (RejectedExecutionException e) {
        expire.run(); // the scheduler is shut down: no grace to give
      }
    }
    return done;
  }
}
