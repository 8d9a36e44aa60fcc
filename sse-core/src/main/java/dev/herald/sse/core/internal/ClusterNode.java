package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.BackplaneUnavailableException;
import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import dev.herald.sse.Event;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.OverflowPolicy;
import dev.herald.sse.core.spi.Backplane;
import dev.herald.sse.core.spi.BackplaneEntry;
import dev.herald.sse.spi.Frame;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broadcaster's side of a cluster: publishes its broadcasts, and its publishes to topics and sends to identities
 * with their address, to the {@link Backplane}'s shared log, delivers the log's entries to its clients (each to
 * those who hear it), reports the log's gaps, and resumes clients from ids only the log still holds.
 *
 * <p>A broadcast only publishes (no lock, no waiting: the backplane's client is asynchronous). The backplane delivers
 * every entry of the log back, in log order, to {@link #deliver}, which under the broadcaster's lock does what a
 * single-node broadcast does: encode once (with the log's id), record in the local history, fan out. A client
 * that resumes from an id this node's history does not hold gets a {@link Resume}: if the id is at or past what
 * this node has delivered (the client came from a node that is ahead), it only skips live entries up to that id;
 * otherwise, unless its id is older than a full local history (a miss, decided with no read), the replay is read
 * from the log, outside the lock, while live entries are held for the client. It is read a page at a time, on one
 * of {@code maxConcurrentReplays} turns, the next page only once the client's queue has taken the last (parked as
 * a paced send is), so a replay costs at most what it delivers; after the last page the held entries newer than it
 * are queued. A replay longer than the history is a miss, and a read that fails (the log being unreachable) is
 * tried again until {@code replayRetry} runs out, and only then is it a miss. Ids are totally ordered, so comparing
 * them is all the deduplication needed. No network round trip ever runs under the lock.
 *
 * <p>When the backplane reports a gap (an entry whose {@link BackplaneEntry#gapAfter()} is set: the log lost
 * entries this node had not delivered), the node forgets its history, whose replays would now skip the gap, and
 * hands each client to the replay-miss handler before it delivers that entry, as it does for a client whose
 * {@code Last-Event-ID} it cannot replay from.
 *
 * <p><b>Threading.</b> Its state is guarded by the broadcaster's lock, which it takes itself; the backplane calls
 * {@link #deliver} from one thread at a time, and replays complete on the backplane's threads.
 */
final class ClusterNode {
  private static final Logger logger = LoggerFactory.getLogger(ClusterNode.class);

  /** How a client that resumes from an id not in this node's history picks up. */
  enum Resumed {
    /** The id is not one of the log's, or is from before a gap: a miss. */
    MISSED,
    /** The client has every entry this node delivered: live entries up to its id are skipped. */
    SKIPPING,
    /** The replay is to be read from the log with {@link #readReplay}; live entries are held meanwhile. */
    READING
  }

  private final DefaultBroadcaster broadcaster;
  private final Backplane backplane;
  private final BroadcasterConfig config;
  private final Comparator<String> idOrder;
  private @Nullable String lastDeliveredId; // guarded by the lock: the newest log entry this node has delivered
  private @Nullable String gapBefore; // guarded by the lock: the entry after a gap, from its report to its delivery
  private final ClusterReplays replays;
  private final ClusterPacing pacing;
  private final PacingWindow window;

  ClusterNode(DefaultBroadcaster broadcaster, Backplane backplane, BroadcasterConfig config) {
    this.broadcaster = broadcaster;
    this.backplane = backplane;
    this.config = config;
    this.idOrder = requireNonNull(backplane.idOrder(), "idOrder");
    this.replays = new ClusterReplays(broadcaster, backplane, config, idOrder);
    this.pacing = new ClusterPacing(backplane);
    this.window = new PacingWindow(backplane, config.channel().pacingWatermark(),
        2 * config.slowClientGrace().toNanos());
  }

  /** Starts delivery from the log; after this, {@link #deliver} may be called at any time. */
  void start() {
    backplane.start(config.history(), this::deliver);
  }

  Backplane backplane() {
    return backplane;
  }

  /**
   * Broadcasts without waiting: publishes the event, fails fast if the backplane is known to be down, and logs a
   * later failure at debug only.
   */
  void broadcast(Event event, String @Nullable [] keys) {
    CompletableFuture<String> published = publish(event, keys, false);
    if (published.isCompletedExceptionally()) {
      throw unwrap(published); // known to be down: fail fast
    }
    published.whenComplete((id, failure) -> {
      if (failure != null) {
        // Counted (stats, and the minute's loss report at INFO); one line per failed event would flood the log
        // for as long as the backplane is away.
        logger.debug("a broadcast was not published: {}", failure.toString());
      }
    });
  }

  /**
   * Publishes an event to the shared log: checks it as a local broadcast would, then hands it over without waiting.
   *
   * @param keys the topics of a publish, or the identity key of a send, or {@code null} for a broadcast
   * @param paced whether every node is to offer it paced (a broadcast only)
   */
  private CompletableFuture<String> publish(Event event, String @Nullable [] keys, boolean paced) {
    return publish(event, checked -> paced ? backplane.publishPaced(checked)
        : keys == null ? backplane.publish(checked) : publishTo(checked, keys));
  }

  /**
   * Publishes as a paced broadcast, once per idempotency key across the cluster (the backplane checks), through the
   * window as {@link #broadcastPaced} does, and waits for its own append's acknowledgement too: a producer that
   * retries under a key must know whether its event got in.
   */
  CompletableFuture<Void> publishOnce(String idempotencyKey, Event event) {
    return window.pace(() -> publish(event, checked -> backplane.publishPaced(checked, idempotencyKey)), true);
  }

  private CompletableFuture<String> publish(Event event, Function<Event, CompletionStage<String>> append) {
    if (event instanceof Data data && data.id() != null) {
      throw new IllegalArgumentException("a clustered broadcaster gives every event the backplane's id; this event"
          + " has its own: " + data.id());
    }
    if (mayExceedMaxSize(event)) {
      broadcaster.encode(event); // throws if too large, before any node sees it
    }
    CompletableFuture<String> published;
    try {
      published = append.apply(event).toCompletableFuture();
    } catch (RuntimeException e) {
      published = CompletableFuture.failedFuture(e);
    }
    published.whenComplete((id, failure) -> {
      if (failure != null) {
        broadcaster.counters.publishFailures.increment();
      }
    });
    return published;
  }

  /**
   * A paced broadcast on a cluster: publishes the event for every node to offer paced, and completes once the
   * window lets the producer go on: the event is handed to the log (acknowledged, if the backplane does not retry
   * paced appends) and the paced event {@code pacingWatermark - 1} places before it, from this node, is in the log
   * and has been offered by every live node to its clients (as the backplane knows of them; see
   * {@link PacingWindow}). So a producer that awaits it runs as fast as the cluster's readers, with at most
   * {@code pacingWatermark} paced events in flight. Fails as {@link #broadcast} does if it cannot be handed over,
   * and with the failure of the earlier event it waited for if the backplane gave up on that one. A node gets twice the slow-client grace to report an event: the grace for its clients, and as
   * much again for its own delivery, after which a node that is alive but stalled no longer holds the producer back.
   */
  CompletableFuture<Void> broadcastPaced(Event event) {
    return window.pace(() -> publish(event, null, true));
  }

  /** Publishes an event addressed to topics, or to an identity: the backplane carries the address in the entry. */
  private CompletionStage<String> publishTo(Event event, String[] keys) {
    if (keys.length == 1 && ClientTopics.isIdentityKey(keys[0])) {
      return backplane.publish(event, List.of(), keys[0].substring(1));
    }
    return backplane.publish(event, List.of(keys), null);
  }

  /**
   * The routing keys of an entry, as a local publish has them: its topics, or its identity's key, or {@code null}
   * for a broadcast.
   */
  static String @Nullable [] keys(BackplaneEntry entry) {
    String identity = entry.identity();
    if (identity != null) {
      return new String[] {ClientTopics.identityKey(identity)};
    }
    return entry.topics().isEmpty() ? null : entry.topics().toArray(String[]::new);
  }

  /**
   * Tells whether an event may encode (without its id) to more than the size limit, from a bound that needs no
   * encoding: a char is at most 3 UTF-8 bytes, and a line break becomes at most the 7 bytes {@code "\ndata: "}.
   */
  private boolean mayExceedMaxSize(Event event) {
    long bound = event instanceof Data data
        ? 7L * data.data().length() + 3L * (data.name() == null ? 0 : data.name().length()) + 64
        : 7L * ((Comment) event).text().length() + 16;
    return bound > config.channel().maxEventBytes();
  }

  /** The failure of a publication known to have failed, as the exception a broadcast throws. */
  static RuntimeException unwrap(CompletableFuture<?> failed) {
    try {
      failed.join();
      throw new IllegalStateException("not failed");
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      return cause instanceof RuntimeException runtime
          ? runtime
          : new BackplaneUnavailableException("the backplane failed", cause);
    } catch (CancellationException e) {
      return new BackplaneUnavailableException("the publication was cancelled", e);
    }
  }

  /**
   * Delivers one entry of the shared log to this node's clients: the clustered counterpart of a broadcast. Called
   * by the backplane, one entry at a time, in log order.
   */
  void deliver(BackplaneEntry entry) {
    String gapAfter = entry.gapAfter();
    if (gapAfter != null) {
      gap(gapAfter, entry.id());
    }
    String id = entry.id();
    Event event = entry.event() instanceof Data data ? data.withId(id) : entry.event();
    Fanout fanout = null;
    try {
      fanout = broadcaster.fanOut(event, keys(entry), entry.paced(), routing -> {
        lastDeliveredId = id;
        gapBefore = null;
        return channel -> admit(channel, id, routing);
      });
    } catch (IllegalArgumentException e) {
      logger.warn("skipping log entry {}: {}", id, e.getMessage());
    }
    if (entry.paced()) {
      pacing.follow(id, fanout == null ? CompletableFuture.completedFuture(null)
          : fanout.pacing(broadcaster.scheduler, config.slowClientGrace()));
    }
  }

  /**
   * The cluster's route for one entry, under the lock: a client whose replay is being read holds the entry; one
   * that has it already (up to its resume point) skips it; any other hears it.
   */
  private boolean admit(DefaultChannel channel, String id, Fanout fanout) {
    Resume resume = channel.resume;
    if (resume == null) {
      return true;
    }
    ArrayDeque<Resume.Held> held = resume.held;
    if (held != null) { // its replay is still being read: this entry waits behind it
      hold(channel, resume, held, new Resume.Held(id, fanout.frame()), fanout);
      return false;
    }
    if (idOrder.compare(id, resume.skipThrough) <= 0) {
      return false; // the client has it already
    }
    channel.resume = null;
    return true;
  }

  /**
   * Holds an entry for a client whose replay is being read, within the queue's event bound; beyond it, the
   * client's overflow policy decides, as for a full queue: drop this entry, drop the oldest held one, or
   * disconnect. (A dropped held entry may still reach the client: the replay, read later, may include it.)
   */
  private void hold(DefaultChannel channel, Resume resume, ArrayDeque<Resume.Held> held, Resume.Held entry,
      Fanout fanout) {
    if (held.size() < config.channel().maxQueuedEvents()) {
      held.addLast(entry);
      return;
    }
    OverflowPolicy policy = config.channel().overflowPolicy();
    switch (policy) {
      case DROP_NEWEST -> {
        resume.heldDropped = true;
        broadcaster.counters.framesDropped.increment();
      }
      case DROP_OLDEST -> {
        resume.heldDropped = true;
        held.pollFirst();
        broadcaster.counters.framesDropped.increment();
        held.addLast(entry);
      }
      default -> fanout.disconnect(channel);
    }
  }

  /**
   * Tells this node's clients that the log lost the entries between {@code lastId} and {@code nextId} before this
   * node delivered them: the cluster's form of a replay miss. Runs on the backplane's thread, before the entry
   * {@code nextId} is delivered, so each client is told before it gets that entry.
   */
  private void gap(String lastId, String nextId) {
    List<DefaultChannel> missed = new ArrayList<>();
    broadcaster.lock.lock();
    try {
      if (broadcaster.isClosed()) {
        return;
      }
      broadcaster.counters.backplaneGaps.increment();
      // The history holds entries from both sides of the gap: a replay from before it would skip it silently.
      // Forgotten, a resume from such an id is a miss (the log no longer has it either), and until nextId is
      // delivered, gapBefore turns away a client that resumes from before it but at or past lastDeliveredId.
      broadcaster.forgetHistory();
      gapBefore = nextId;
      ClientSet clients = broadcaster.clients;
      for (int i = 0; i < clients.size(); i++) {
        DefaultChannel channel = clients.get(i);
        Resume resume = channel.resume;
        if (resume != null && resume.held == null && idOrder.compare(resume.skipThrough, nextId) >= 0) {
          continue; // it came from a node that is ahead and already has the entries this node lost
        }
        missed.add(channel);
      }
    } finally {
      broadcaster.lock.unlock();
    }
    logger.debug("the backplane lost the entries between {} and {}; telling {} clients", lastId, nextId,
        missed.size());
    for (DefaultChannel channel : missed) {
      broadcaster.replayMissed(channel, lastId);
    }
  }

  /**
   * Decides, under the lock, how a client that resumes from an id not in this node's history picks up, and sets
   * its resume point.
   *
   * @param evictedIfFull the newest id the local history let go of, if it is full now: an id older than that one
   *     is followed by more than {@code history} entries, a miss that needs no read of the log
   */
  Resumed resumeAt(DefaultChannel channel, String lastEventId, @Nullable String evictedIfFull) {
    String last = lastDeliveredId;
    String gap = gapBefore;
    try {
      if (gap != null && idOrder.compare(lastEventId, gap) < 0) {
        return Resumed.MISSED; // from before a gap being reported: it missed entries that no one can give it
      }
      if (last != null && idOrder.compare(lastEventId, last) >= 0) {
        channel.resume = new Resume(lastEventId, false, null); // it has everything this node delivered
        return Resumed.SKIPPING;
      }
      if (evictedIfFull != null && idOrder.compare(lastEventId, evictedIfFull) < 0) {
        return Resumed.MISSED; // the replay would be longer than the history: no read can make it a hit
      }
      idOrder.compare(lastEventId, lastEventId); // is it an id at all?
    } catch (IllegalArgumentException e) {
      return Resumed.MISSED;
    }
    // Older than this node's history: read it from the log, up to the newest entry delivered so far; the entries
    // delivered from now on are held for the client and follow the replay.
    channel.resume = new Resume(lastEventId, true, last);
    return Resumed.READING;
  }

  /**
   * Reads a client's replay from the log, outside the lock; see {@link ClusterReplays#read}.
   */
  void readReplay(DefaultChannel channel, String lastEventId) {
    replays.read(channel, lastEventId);
  }

  /**
   * Where a client resumes in the shared log: live entries up to {@link #skipThrough} are ones it already has (from
   * another node, or from a replay read from the log), and while that replay is being read, live entries are
   * {@linkplain #held held} so that they follow it. Guarded by the broadcaster's lock.
   */
  static final class Resume {
    /** Entries with this id or an older one are not given to the client again. */
    String skipThrough;
    /** Live entries delivered while the replay is read from the log, oldest first; {@code null} once it is in. */
    @Nullable ArrayDeque<Held> held;
    /** Whether the overflow policy dropped a held entry: the replay then reads on to the end of the log. */
    boolean heldDropped;
    /** The newest entry delivered when the replay began: where the replay read from the log ends. */
    final @Nullable String replayUntil;

    Resume(String skipThrough, boolean awaitingReplay, @Nullable String replayUntil) {
      this.skipThrough = skipThrough;
      this.held = awaitingReplay ? new ArrayDeque<>() : null;
      this.replayUntil = replayUntil;
    }

    /** A live entry held back: its id and its shared frame. */
    record Held(String id, Frame frame) {}
  }
}
