package dev.herald.sse.core.testing;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.BackplaneUnavailableException;
import dev.herald.sse.Event;
import dev.herald.sse.core.spi.Backplane;
import dev.herald.sse.core.spi.BackplaneEntry;
import dev.herald.sse.core.spi.ReplayPage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory {@link Backplane} for engine tests, in which the test is the network: nodes share one {@link Log}
 * (ids {@code 1}, {@code 2}, … compared as numbers), and each node's entries are delivered only when the test
 * calls {@link #pump()}, so a test can make one node lag behind another. Replays can be held back
 * ({@link #holdReplays()}) and answered later, the log can be taken {@linkplain Log#down() down}, and it can be
 * {@linkplain Log#trim trimmed}, as a Redis stream trims itself: a node that had not delivered the entries trimmed
 * away delivers the next one marked as following a gap ({@link BackplaneEntry#gapAfter()}).
 *
 * <p><b>Threading.</b> Thread-safe; {@link #pump()} delivers on the calling thread.
 */
public final class FakeBackplane implements Backplane {
  private final Log log;
  private @Nullable Consumer<BackplaneEntry> deliver;
  private int delivered; // entries of the log delivered to this node
  private boolean holdReplays;
  private final List<Runnable> heldReplays = new ArrayList<>();
  private @Nullable Executor replayExecutor;
  private boolean closed;
  private final AtomicInteger replayReads = new AtomicInteger();
  private final AtomicInteger entriesRead = new AtomicInteger();

  /**
   * Makes a node's backplane on a shared log.
   *
   * @param log the log the nodes share
   */
  public FakeBackplane(Log log) {
    this.log = requireNonNull(log, "log");
  }

  /** The log that several nodes share. Thread-safe. */
  public static final class Log {
    private final List<BackplaneEntry> entries = new ArrayList<>();
    private int trimmed; // entries before this index are gone
    private boolean down;
    private long outages;

    /** Makes an empty log. */
    public Log() {}

    /** Makes the log unreachable. */
    public synchronized void down() {
      if (!down) {
        outages++;
      }
      down = true;
    }

    /** Makes the log reachable again. */
    public synchronized void up() {
      down = false;
    }

    /**
     * Removes all but the newest entries, as a log that trims itself does; their ids are not given again.
     *
     * @param keep how many entries to keep
     */
    public synchronized void trim(int keep) {
      trimmed = Math.max(trimmed, entries.size() - keep);
    }

    /**
     * Returns the entries so far, trimmed ones included.
     *
     * @return a copy
     */
    public synchronized List<BackplaneEntry> entries() {
      return List.copyOf(entries);
    }

    synchronized String append(Event event) {
      if (down) {
        throw new BackplaneUnavailableException("the fake log is down");
      }
      String id = Integer.toString(entries.size() + 1);
      entries.add(new BackplaneEntry(id, event));
      return id;
    }

    /** The entries still in the log from this index on. */
    synchronized List<BackplaneEntry> from(int index) {
      return List.copyOf(entries.subList(Math.max(index, trimmed), entries.size()));
    }

    synchronized boolean isTrimmed(int index) {
      return index < trimmed;
    }

    synchronized boolean isDown() {
      return down;
    }

    synchronized long outages() {
      return outages;
    }
  }

  @Override
  public synchronized void start(int history, Consumer<BackplaneEntry> deliver) {
    if (this.deliver != null) {
      throw new IllegalStateException("already started");
    }
    this.deliver = requireNonNull(deliver, "deliver");
    this.delivered = log.entries().size(); // from the end the log has now
  }

  /**
   * Delivers every entry this node has not delivered yet and the log still has; if the log was trimmed past some
   * of them, the first one delivered says so.
   *
   * @return how many were delivered
   */
  public int pump() {
    List<BackplaneEntry> pending;
    Consumer<BackplaneEntry> sink;
    synchronized (this) {
      if (closed || log.isDown()) {
        return 0;
      }
      sink = requireNonNull(deliver, "not started");
      pending = new ArrayList<>(log.from(delivered));
      if (pending.isEmpty()) {
        return 0;
      }
      BackplaneEntry first = pending.get(0);
      if (Integer.parseInt(first.id()) != delivered + 1) {
        pending.set(0, new BackplaneEntry(first.id(), first.event(), Integer.toString(delivered)));
      }
      delivered = Integer.parseInt(pending.get(pending.size() - 1).id());
    }
    pending.forEach(sink);
    return pending.size();
  }

  /**
   * Answers replays on this executor, as a real backplane answers on its own threads, instead of at once.
   *
   * @param executor where to read the log for a replay
   */
  public synchronized void answerReplaysOn(Executor executor) {
    this.replayExecutor = requireNonNull(executor, "executor");
  }

  /** Makes replays wait until {@link #releaseReplays()}. */
  public synchronized void holdReplays() {
    holdReplays = true;
  }

  /** Answers the replays held back, reading the log as it is now. */
  public void releaseReplays() {
    List<Runnable> answers;
    synchronized (this) {
      holdReplays = false;
      answers = List.copyOf(heldReplays);
      heldReplays.clear();
    }
    answers.forEach(Runnable::run);
  }

  @Override
  public CompletionStage<String> publish(Event event) {
    try {
      return CompletableFuture.completedFuture(log.append(event));
    } catch (BackplaneUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Returns how many replays were asked of this backplane, answered or not.
   *
   * @return the count
   */
  public int replayReads() {
    return replayReads.get();
  }

  /**
   * Returns how many entries replays have read from the log so far.
   *
   * @return the count
   */
  public int replayEntriesRead() {
    return entriesRead.get();
  }

  @Override
  public CompletionStage<@Nullable ReplayPage> replay(String afterId, int max) {
    replayReads.incrementAndGet();
    CompletableFuture<@Nullable ReplayPage> answer = new CompletableFuture<>();
    Runnable read = () -> {
      if (log.isDown()) {
        answer.completeExceptionally(new BackplaneUnavailableException("the fake log is down"));
        return;
      }
      List<BackplaneEntry> all = log.entries();
      int after;
      try {
        after = Integer.parseInt(afterId);
      } catch (NumberFormatException e) {
        answer.complete(null);
        return;
      }
      if (after < 1 || after > all.size() || log.isTrimmed(after - 1)) {
        answer.complete(null);
        return;
      }
      int end = (int) Math.min(all.size(), (long) after + max);
      entriesRead.addAndGet(end - after);
      answer.complete(new ReplayPage(all.subList(after, end), end < all.size()));
    };
    Executor executor;
    synchronized (this) {
      if (holdReplays) {
        heldReplays.add(read);
        return answer;
      }
      executor = replayExecutor;
    }
    if (executor != null) {
      executor.execute(read);
    } else {
      read.run();
    }
    return answer;
  }

  @Override
  public Comparator<String> idOrder() {
    return Comparator.comparingLong(FakeBackplane::parse);
  }

  private static long parse(String id) {
    try {
      return Long.parseLong(id);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an id: " + id, e);
    }
  }

  @Override
  public boolean isUp() {
    return !log.isDown();
  }

  @Override
  public long outages() {
    return log.outages();
  }

  @Override
  public synchronized void close() {
    closed = true;
  }
}
