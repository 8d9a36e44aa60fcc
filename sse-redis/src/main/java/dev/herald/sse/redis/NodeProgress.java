package dev.herald.sse.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far each node of a cluster has offered the stream's paced entries to its clients, and the paced publishes
 * that wait for every live node to pass their entry: the cluster-wide pacing of {@code broadcastPaced}.
 *
 * <p>Each node publishes its progress on the Redis channel {@code <stream>:progress} ({@code PUBLISH}, a message
 * {@code <node> <id>}): when it has offered paced entries, and every quarter of the node timeout as a heartbeat.
 * Reports are batched without a timer: one {@code PUBLISH} of progress is in flight at a time, sent at once when
 * none is, and when it is answered the newest progress made meanwhile goes out, in one message for however many
 * entries. So an idle node reports an entry within one round trip, and a busy one sends at most one report per
 * round trip to Redis rather than one per entry.
 * Every node subscribes to the channel and keeps what it hears. A node that comes answers the first message it hears
 * from each other node with its own progress, so the nodes learn of each other within a round trip. A node that
 * closes says so ({@code <node> -}) and is forgotten at once.
 *
 * <p><b>Which nodes are waited for.</b> The live nodes: this one, and every other one heard from within the node
 * timeout. A node not heard from for longer (it died, or is cut off from Redis) is excluded, counted
 * ({@link #excluded()}) and logged; it is live again from its next message. A paced publish waits for the nodes live
 * while it waits; how long it waits for a node that is heard from but does not pass its entry is the broadcaster's
 * (it completes the stage itself when its patience runs out, and the waiter is then dropped).
 *
 * <p><b>Threading.</b> Thread-safe: one lock guards the progress and the waiters, and futures complete outside it.
 * Its timer thread sends the heartbeats and reconnects the subscription after an outage; the subscription's
 * messages arrive on Lettuce's threads.
 */
final class NodeProgress implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeProgress.class);
  private static final String GONE = "-";
  /** The fewest waiters at which those that are done (their patience ran out) are removed. */
  private static final int MIN_PURGE = 1024;

  private final RedisClient client;
  private final String channel;
  private final String node = UUID.randomUUID().toString();
  private final long timeoutNanos;
  private final Supplier<@Nullable StatefulRedisConnection<String, String>> commands;
  private final ScheduledExecutorService timer;

  private final Object lock = new Object();
  private @Nullable String offered; // guarded by lock: this node's progress
  private final Map<String, Peer> peers = new HashMap<>(); // guarded by lock: the other nodes heard from
  // guarded by lock: oldest entry first, so that a report completes the waiters it passes from the head
  private final PriorityQueue<Waiter> waiters = new PriorityQueue<>(
      (a, b) -> StreamIds.ORDER.compare(a.id, b.id));
  private int purgeAt = MIN_PURGE; // guarded by lock: the waiter count at which those done are removed
  private boolean reporting; // guarded by lock: a progress report is in flight
  private boolean reportAgain; // guarded by lock: progress was made since the report in flight was sent
  private long excluded; // guarded by lock
  private volatile boolean silent; // for tests: stops reporting, as a node cut off from Redis would
  private volatile boolean closed;
  private volatile @Nullable StatefulRedisPubSubConnection<String, String> subscription;

  /**
   * Makes the progress of one node.
   *
   * @param stream the stream's key: nodes that share it share the channel
   * @param timeout how long a node may go unheard before it is excluded
   * @param commands the connection to publish on, {@code null} while Redis is away
   */
  NodeProgress(RedisClient client, String stream, Duration timeout,
      Supplier<@Nullable StatefulRedisConnection<String, String>> commands) {
    this.client = client;
    this.channel = stream + ":progress";
    this.timeoutNanos = timeout.toNanos();
    this.commands = commands;
    this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "herald-redis-progress");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Starts from where this node starts reading the stream: it has nothing to offer before that. */
  void start(String startedAt) {
    synchronized (lock) {
      offered = startedAt;
    }
    long period = Math.max(1, timeoutNanos / 4);
    timer.scheduleWithFixedDelay(this::tick, 0, period, TimeUnit.NANOSECONDS);
  }

  /** This node has offered every entry up to this one: tell the others (batched), and the local waiters. */
  void offered(String id) {
    boolean sendNow;
    synchronized (lock) {
      offered = newer(offered, id);
      sendNow = !reporting;
      if (sendNow) {
        reporting = true;
      } else {
        reportAgain = true;
      }
    }
    if (sendNow) {
      report();
    }
    check();
  }

  /**
   * Sends this node's progress as the one report in flight, and once Redis answers, the progress made meanwhile if
   * any; a report lost to an outage is made up by the heartbeat.
   */
  private void report() {
    String mine;
    synchronized (lock) {
      mine = offered;
      reportAgain = false;
    }
    CompletableFuture<Long> sent = mine == null ? null : send(mine);
    if (sent == null) {
      synchronized (lock) {
        reporting = false;
      }
      return;
    }
    sent.whenComplete((receivers, failure) -> {
      boolean again;
      synchronized (lock) {
        again = reportAgain && failure == null;
        reporting = again;
      }
      if (again) {
        report();
      }
    });
  }

  /**
   * A future that completes once every live node has offered the entry with this id; the caller may complete it
   * sooner itself, which drops the wait.
   */
  CompletableFuture<Void> await(String id) {
    Waiter waiter = new Waiter(id, new CompletableFuture<>());
    synchronized (lock) {
      if (waiters.size() >= purgeAt) {
        // A node that is heard from but passes nothing leaves the waiters its producers gave up on (patience)
        // behind the oldest: removed in bulk, so they cost no more than a constant per wait.
        waiters.removeIf(w -> w.done.isDone());
        purgeAt = Math.max(MIN_PURGE, 2 * waiters.size());
      }
      waiters.add(waiter);
    }
    check();
    return waiter.done;
  }

  /** How many times a node was excluded for not being heard from within the timeout. */
  long excluded() {
    synchronized (lock) {
      return excluded;
    }
  }

  /** How many nodes are live now, this one included. */
  int liveNodes() {
    synchronized (lock) {
      expire(System.nanoTime());
      return peers.size() + 1;
    }
  }

  /** For tests: this node stops reporting, as one cut off from Redis would, and its peers exclude it in time. */
  void silence() {
    silent = true;
  }

  private void tick() {
    try {
      StatefulRedisPubSubConnection<String, String> current = subscription;
      if (current == null || !current.isOpen()) {
        subscribe();
      }
      String mine;
      synchronized (lock) {
        mine = offered;
      }
      if (mine != null) {
        send(mine);
      }
      check();
    } catch (RuntimeException e) {
      log.debug("the progress heartbeat failed; trying again in {} ms", TimeUnit.NANOSECONDS.toMillis(timeoutNanos / 4),
          e);
    }
  }

  private void subscribe() {
    if (closed) {
      return;
    }
    StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub();
    connection.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void message(String from, String message) {
        heard(message);
      }
    });
    connection.sync().subscribe(channel);
    subscription = connection;
    if (closed) {
      connection.close();
    }
  }

  /**
   * Publishes this node's progress, without waiting; a message lost to an outage is made up by the heartbeat.
   *
   * @return Redis's answer to come, or {@code null} if nothing was sent
   */
  private @Nullable CompletableFuture<Long> send(String id) {
    StatefulRedisConnection<String, String> connection = commands.get();
    if (silent || connection == null || !connection.isOpen()) {
      return null;
    }
    try {
      return connection.async().publish(channel, node + " " + id).toCompletableFuture();
    } catch (RuntimeException e) {
      log.debug("could not publish this node's progress", e);
      return null;
    }
  }

  /** Takes another node's message: its progress, or its goodbye. */
  private void heard(String message) {
    int space = message.indexOf(' ');
    if (space < 0 || silent) {
      return;
    }
    String from = message.substring(0, space);
    String id = message.substring(space + 1);
    if (from.equals(node)) {
      return;
    }
    boolean stranger;
    synchronized (lock) {
      if (id.equals(GONE)) {
        peers.remove(from);
        stranger = false;
      } else if (!StreamIds.isId(id)) {
        return;
      } else {
        Peer peer = peers.get(from);
        stranger = peer == null;
        if (stranger) {
          peer = new Peer();
          peers.put(from, peer);
        }
        peer.offered = newer(peer.offered, id);
        peer.heardAt = System.nanoTime();
      }
    }
    if (stranger) {
      String mine;
      synchronized (lock) {
        mine = offered;
      }
      if (mine != null) {
        send(mine); // so that a node that just came knows of this one at once
      }
    }
    check();
  }

  /**
   * Completes the waiters whose entry every live node has passed, oldest first, and drops those done already (their
   * patience ran out) that reach the head.
   */
  private void check() {
    List<Waiter> done = null;
    synchronized (lock) {
      expire(System.nanoTime());
      if (waiters.isEmpty()) {
        return;
      }
      String passed = passed();
      while (!waiters.isEmpty()) {
        Waiter head = waiters.peek();
        if (head.done.isDone()) {
          waiters.poll();
        } else if (passed != null && StreamIds.ORDER.compare(head.id, passed) <= 0) {
          waiters.poll();
          if (done == null) {
            done = new ArrayList<>();
          }
          done.add(head);
        } else {
          break;
        }
      }
    }
    if (done != null) {
      for (Waiter waiter : done) {
        waiter.done.complete(null);
      }
    }
  }

  /** Under the lock: the newest entry that this node and every live one have offered, if any. */
  private @Nullable String passed() {
    String least = offered;
    if (least == null) {
      return null;
    }
    for (Peer peer : peers.values()) {
      if (StreamIds.ORDER.compare(peer.offered, least) < 0) {
        least = peer.offered;
      }
    }
    return least;
  }

  /** Under the lock: excludes the nodes not heard from within the timeout. */
  private void expire(long now) {
    for (Iterator<Map.Entry<String, Peer>> it = peers.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Peer> entry = it.next();
      if (now - entry.getValue().heardAt > timeoutNanos) {
        it.remove();
        excluded++;
        log.warn("cluster node {} of {} was not heard from for {} ms: paced broadcasts no longer wait for it",
            entry.getKey(), channel, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
      }
    }
  }

  private static String newer(@Nullable String current, String id) {
    return current == null || StreamIds.ORDER.compare(id, current) > 0 ? id : current;
  }

  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    StatefulRedisConnection<String, String> connection = commands.get();
    if (!silent && connection != null && connection.isOpen()) {
      try {
        connection.sync().publish(channel, node + " " + GONE);
      } catch (RuntimeException e) {
        log.debug("could not say goodbye to the other nodes", e);
      }
    }
    StatefulRedisPubSubConnection<String, String> current = subscription;
    if (current != null && current.isOpen()) {
      current.close();
    }
    List<Waiter> left;
    synchronized (lock) {
      left = new ArrayList<>(waiters);
      waiters.clear();
    }
    for (Waiter waiter : left) {
      waiter.done.complete(null);
    }
  }

  /** Another node, as last heard. Guarded by the lock. */
  private static final class Peer {
    String offered = "0-0";
    long heardAt;
  }

  /** A paced publish waiting for every live node to pass its entry. */
  private record Waiter(String id, CompletableFuture<Void> done) {}
}
