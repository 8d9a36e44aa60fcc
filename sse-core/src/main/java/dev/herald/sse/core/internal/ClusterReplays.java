package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.OverflowPolicy;
import dev.herald.sse.core.internal.ClusterNode.Resume;
import dev.herald.sse.core.spi.Backplane;
import dev.herald.sse.core.spi.BackplaneEntry;
import dev.herald.sse.core.spi.ReplayPage;
import dev.herald.sse.spi.Frame;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster node's replays read from the backplane's log: for a client that resumes from an id older than the
 * node's own history, its missed entries are read a page at a time, each page queued for the client before the next
 * is read, on one of a few turns the node gives out ({@link ReplaySlots}). So a replay costs what it delivers: a
 * client that stops reading stalls only its own replay, and many stale resumes at once make the log and the node
 * hold at most a few pages. The live entries delivered meanwhile are held for the client ({@link
 * ClusterNode.Resume}) and follow the replay.
 *
 * <p><b>Threading.</b> Pages complete on the backplane's threads; the client's resume state is guarded by the
 * broadcaster's lock, which is never held across a read.
 */
final class ClusterReplays {
  private static final Logger logger = LoggerFactory.getLogger(ClusterReplays.class);
  /** The pause before the first retry of a replay the backplane could not read; each next one doubles it. */
  private static final long REPLAY_RETRY_FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  /** The longest pause between two reads of a replay. */
  private static final long REPLAY_RETRY_MAX_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(4);
  /** The most entries of a replay read from the log at once: what one client's turn makes the log and node hold. */
  static final int REPLAY_PAGE = 32;

  private final DefaultBroadcaster broadcaster;
  private final Backplane backplane;
  private final BroadcasterConfig config;
  private final Comparator<String> idOrder;
  private final ReplaySlots slots;
  private final int pageSize;

  ClusterReplays(DefaultBroadcaster broadcaster, Backplane backplane, BroadcasterConfig config,
      Comparator<String> idOrder) {
    this.broadcaster = broadcaster;
    this.backplane = backplane;
    this.config = config;
    this.idOrder = idOrder;
    this.slots = new ReplaySlots(config.maxConcurrentReplays());
    // A page is parked in the client's queue as paced sends are, and no more than its event bound may wait.
    this.pageSize = Math.min(REPLAY_PAGE, config.channel().maxQueuedEvents());
  }

  /**
   * Reads a client's replay from the log, outside the lock, a page at a time once this node gives it a turn; the
   * live entries delivered meanwhile are held for the client, and follow the replay.
   */
  void read(DefaultChannel channel, String lastEventId) {
    String until;
    broadcaster.lock.lock();
    try {
      Resume resume = channel.resume;
      until = resume == null ? null : resume.replayUntil;
    } finally {
      broadcaster.lock.unlock();
    }
    Replay replay = new Replay(channel, lastEventId, until, System.nanoTime() + config.replayRetry().toNanos());
    slots.acquire(() -> turn(replay));
  }

  /** Starts or resumes a replay's reading on a turn it was given. */
  private void turn(Replay replay) {
    replay.holdsTurn.set(true);
    readPage(replay, 0);
  }

  /**
   * Reads the next page of a replay; a read that fails is tried again, with a growing pause, until the replay's
   * deadline, so a client that resumes while the log is unreachable gets its replay once the log is back rather
   * than a miss.
   */
  private void readPage(Replay replay, int attempt) {
    // One entry more than the history has room for still, so that a replay longer than the history is found.
    int max = Math.min(pageSize, config.history() - replay.count + 1);
    CompletionStage<@Nullable ReplayPage> page;
    try {
      page = backplane.replay(replay.after, max);
    } catch (RuntimeException e) {
      page = CompletableFuture.failedFuture(e);
    }
    page.whenComplete((entries, failure) -> {
      if (failure == null || !retryReplay(replay, attempt, failure)) {
        onPage(replay, entries, failure);
      }
    });
  }

  /** Schedules another read of a page that failed, if there is time left and the client still waits for it. */
  private boolean retryReplay(Replay replay, int attempt, Throwable failure) {
    long pause = Math.min(REPLAY_RETRY_MAX_PAUSE_NANOS, REPLAY_RETRY_FIRST_PAUSE_NANOS << Math.min(attempt, 8));
    broadcaster.lock.lock();
    try {
      Resume resume = replay.channel.resume;
      if (broadcaster.isClosed() || !ClientSet.isMember(replay.channel) || resume == null || resume.held == null
          || System.nanoTime() + pause - replay.deadline > 0) {
        return false;
      }
    } finally {
      broadcaster.lock.unlock();
    }
    try {
      broadcaster.scheduler.schedule(() -> readPage(replay, attempt + 1), pause, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return false; // the scheduler is shut down: the broadcaster is closing
    }
    logger.debug("replay from {} could not be read from the backplane ({}); trying again in {} ms",
        replay.lastEventId, failure.toString(), TimeUnit.NANOSECONDS.toMillis(pause));
    return true;
  }

  /**
   * Takes a page of a replay under the lock: encodes its entries up to where the replay ends, and either queues
   * the client for the next page, or settles the replay: the last page and then the held live entries newer than
   * it, or, for a miss, the held entries and the replay-miss handler.
   */
  private void onPage(Replay replay, @Nullable ReplayPage page, @Nullable Throwable failure) {
    DefaultChannel channel = replay.channel;
    List<Frame> frames = new ArrayList<>(page == null ? 0 : page.entries().size());
    Step step;
    broadcaster.lock.lock();
    try {
      Resume resume = channel.resume;
      if (resume == null || resume.held == null) {
        step = Step.ABANDONED;
      } else if (broadcaster.isClosed() || !ClientSet.isMember(channel)) {
        channel.resume = null;
        step = Step.ABANDONED;
      } else {
        step = page == null ? Step.MISSED : take(replay, resume, page, frames);
        if (step != Step.NEXT_PAGE) {
          settle(channel, resume, step == Step.MISSED ? List.of() : frames, step == Step.MISSED);
        }
      }
    } finally {
      broadcaster.lock.unlock();
    }
    if (step != Step.NEXT_PAGE) {
      releaseTurn(replay);
    }
    switch (step) {
      case NEXT_PAGE -> queuePage(replay, frames);
      case SETTLED -> channel.wakeIfPending(null); // outside the lock, as every wake-up
      case MISSED -> {
        logger.debug("replay from {} could not be read from the backplane", replay.lastEventId, failure);
        channel.wakeIfPending(null);
        broadcaster.replayMissed(channel, replay.lastEventId);
      }
      default -> { } // the client is gone
    }
  }

  /** Under the lock: encodes a page's entries up to where the replay ends, and says what comes next. */
  private Step take(Replay replay, Resume resume, ReplayPage page, List<Frame> frames) {
    // The replay ends where the held entries begin, unless some were dropped: then it reads on to the log's end,
    // which may give the client what was dropped (the held entries it has then are not given twice).
    String until = resume.heldDropped ? null : replay.until;
    for (BackplaneEntry entry : page.entries()) {
      if (until != null && idOrder.compare(entry.id(), until) > 0) {
        return Step.SETTLED; // delivered live since the client resumed: it is held for the client
      }
      if (++replay.count > config.history()) {
        return Step.MISSED; // more entries follow its id than a history holds: a miss, as the SPI has it
      }
      // The history keeps data events only, and the client is given those it hears (its topics now, the lock held).
      if (entry.event() instanceof Data data && replay.channel.subscription.hears(ClusterNode.keys(entry))) {
        try {
          frames.add(broadcaster.encode(data.withId(entry.id())));
        } catch (IllegalArgumentException e) {
          logger.warn("skipping log entry {} in a replay: {}", entry.id(), e.getMessage());
        }
      }
      resume.skipThrough = entry.id();
      replay.after = entry.id();
    }
    boolean reachedUntil = until != null && idOrder.compare(replay.after, until) >= 0;
    return page.more() && !reachedUntil ? Step.NEXT_PAGE : Step.SETTLED;
  }

  /**
   * Under the lock: queues a replay's last page, then the live entries held meanwhile that are newer (all of them
   * after a miss), and ends the replay.
   */
  private void settle(DefaultChannel channel, Resume resume, List<Frame> lastPage, boolean missed) {
    ArrayDeque<Resume.Held> held = requireNonNull(resume.held);
    resume.held = null;
    int queued = 0;
    for (Frame frame : lastPage) {
      channel.offerReplay(frame);
      queued++;
    }
    for (Resume.Held entry : held) {
      if (missed || idOrder.compare(entry.id(), resume.skipThrough) > 0) {
        channel.offerReplay(entry.frame());
        queued++;
      }
    }
    if (missed) {
      channel.resume = null;
    }
    Counters counters = broadcaster.counters;
    (missed ? counters.replayMisses : counters.replayHits).increment();
    counters.framesQueued.add(queued);
  }

  /**
   * Queues a page of a replay for its client, holding no lock: within the queue's bounds, the rest parked as a
   * paced send is, and reads the next page once the client has taken it all. A client that takes nothing for
   * {@code slowClientGrace} meets its overflow policy: disconnected as slow, or, under the drop policies, its
   * replay gives its turn to the next one and waits for it.
   */
  private void queuePage(Replay replay, List<Frame> frames) {
    DefaultChannel channel = replay.channel;
    CompletableFuture<Void> last = null;
    for (Frame frame : frames) {
      CompletableFuture<Void> parked = channel.offerOrPark(frame, null);
      if (parked != null) {
        last = parked;
      }
    }
    broadcaster.counters.framesQueued.add(frames.size());
    if (last == null) {
      readPage(replay, 0);
      return;
    }
    replay.stalled.set(false);
    ScheduledFuture<?> grace = scheduleStall(replay, last);
    last.whenComplete((queued, failure) -> {
      if (grace != null) {
        grace.cancel(false);
      }
      if (failure != null) {
        onPage(replay, null, failure); // the client is gone (or, if not, its replay cannot go on: a miss)
      } else if (replay.stalled.compareAndSet(false, true)) {
        readPage(replay, 0); // it still holds its turn
      } else {
        slots.acquire(() -> turn(replay));
      }
    });
  }

  private @Nullable ScheduledFuture<?> scheduleStall(Replay replay, CompletableFuture<Void> last) {
    try {
      return broadcaster.scheduler.schedule(() -> {
        if (!last.isDone() && replay.stalled.compareAndSet(false, true)) {
          stalled(replay);
        }
      }, config.slowClientGrace().toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null; // the broadcaster is closing: its clients are closed, which ends the replay
    }
  }

  /** A client took nothing of its replay's page for {@code slowClientGrace}: its overflow policy decides. */
  private void stalled(Replay replay) {
    if (config.channel().overflowPolicy() == OverflowPolicy.DISCONNECT) {
      logger.debug("a client took nothing of its replay from {} for {}; disconnecting it as slow",
          replay.lastEventId, config.slowClientGrace());
      replay.channel.close(CloseReason.SLOW_CONSUMER); // fails the parked page, which ends the replay
    } else {
      releaseTurn(replay); // its replay goes on, with a turn, once it takes the page
    }
  }

  private void releaseTurn(Replay replay) {
    if (replay.holdsTurn.compareAndSet(true, false)) {
      slots.release();
    }
  }

  /** What a page of a replay leads to. */
  private enum Step {
    /** More of the replay is to be read once the client has taken this page. */
    NEXT_PAGE,
    /** The replay is all queued, and the held live entries after it. */
    SETTLED,
    /** The replay cannot be given: the client is told, and gets the held live entries. */
    MISSED,
    /** The client is gone, or the broadcaster closed. */
    ABANDONED
  }

  /** One client's replay being read from the log. Its counters are touched by one thread at a time. */
  private static final class Replay {
    final DefaultChannel channel;
    final String lastEventId;
    /** The newest entry this node had delivered when the client resumed; the held live entries follow it. */
    final @Nullable String until;
    final long deadline;
    /** The id the next page is read after. */
    String after;
    /** Entries read so far. */
    int count;
    final AtomicBoolean holdsTurn = new AtomicBoolean();
    /** Set by whichever comes first for a queued page: the client took it all, or the grace ran out. */
    final AtomicBoolean stalled = new AtomicBoolean();

    Replay(DefaultChannel channel, String lastEventId, @Nullable String until, long deadline) {
      this.channel = channel;
      this.lastEventId = lastEventId;
      this.until = until;
      this.deadline = deadline;
      this.after = lastEventId;
    }
  }

}
