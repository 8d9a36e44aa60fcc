package dev.herald.sse.redis;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.BackplaneUnavailableException;
import dev.herald.sse.Event;
import dev.herald.sse.core.spi.Backplane;
import dev.herald.sse.core.spi.BackplaneEntry;
import dev.herald.sse.core.spi.ReplayPage;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Backplane} on a Redis stream, through Lettuce: every Herald server that uses the same Redis and stream
 * key is a node of one cluster. A broadcast on any node reaches the clients of every node, in the same order, and a
 * client whose reconnect lands on another node resumes there from its {@code Last-Event-ID}.
 *
 * <pre>{@code
 * Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
 *     .greeting(Data.of("connected"))
 *     .history(1000)
 *     .backplane(RedisBackplane.create("redis://127.0.0.1:6379"))
 *     .build());
 * }</pre>
 *
 * <p><b>How it uses Redis.</b> A broadcast is one {@code XADD <stream> MAXLEN ~ <maxLength> * data ...}; the entry
 * id Redis gives it ({@code <milliseconds>-<sequence>}) is the SSE event id, so ids are ordered across the
 * cluster. Each node reads the stream with a blocking {@code XREAD} on a connection and thread of its own and
 * delivers each entry to its local clients, encoding it once. A {@code Last-Event-ID} older than the node's local
 * history is replayed with {@code XRANGE}, a page at a time: first {@code XRANGE <stream> <id> <id>}, so an id that
 * is not in the stream costs one lookup and no entry, then {@code XRANGE <stream> <id> + COUNT <page + 2>}. The
 * entry's fields are plain ({@code data}, {@code event}, {@code retry}, or {@code comment}; and a publish's
 * {@code topic}, or a send's {@code identity}), so any Redis client can broadcast too:
 * {@code XADD herald:events * data hi}, or publish to a topic: {@code XADD herald:events * topic rooms/7 data hi}.
 *
 * <p><b>Topics.</b> Every node reads every entry and routes it to its own subscribers of its topics (or its
 * identity's streams); a replay read from the stream gives a client only the entries it hears, reading at most the
 * broadcaster's history's worth of entries of all topics. The stream is one log for all topics, trimmed to
 * {@link Builder#maxLength} entries of all of them: the per-topic retention (a busy topic does not push a quiet
 * topic's events out of reach) is each node's own history, which keeps every entry it delivered, per topic. So a
 * client resumes from a quiet topic's old event on any node that was up when the event was published; on a node
 * started later, only from what the stream still holds.
 *
 * <p><b>Failures.</b> When Redis is unreachable the backplane is down: publishing fails at once with
 * {@link BackplaneUnavailableException} (nothing is buffered), {@link #isUp()} is {@code false} and the outage is
 * counted. The reader reconnects by itself, with a backoff from {@link Builder#reconnectDelay} doubling up to its
 * maximum, and resumes reading after the last entry it delivered, so no entry still in the stream is lost;
 * clients stay connected meanwhile. What Redis acknowledged survives a Redis restart if Redis persists the stream
 * (append-only file).
 *
 * <p><b>Falling behind.</b> Every {@code XADD} trims the stream to about {@link Builder#maxLength} entries. A node
 * whose reader falls further behind than that (a burst of broadcasts from other nodes while it is held up by a GC
 * pause or a slow host, or an outage during which the others went on) finds entries it had not delivered trimmed
 * away. It does not skip them silently: it logs a warning naming the stream, the last entry it delivered and the
 * next one it read, and marks that entry as following a gap ({@link BackplaneEntry#gapAfter()}), so the
 * broadcaster counts it ({@code BroadcasterStats.backplaneGaps}) and tells each of its clients through its
 * replay-miss handler (by default an {@code event: reset}) before giving them the entry. Finding out costs no
 * round trip in the normal case: the ids Redis generates tell when an entry is missing before the first one of a
 * read, unless that one starts a new millisecond, and then only a read as large as the stream's length can follow
 * a gap; in those cases one {@code XRANGE} checks whether the last entry delivered is still there. A node that
 * falls exactly to the trim's edge may report a gap although it lost nothing. This relies on ids that Redis
 * generates ({@code XADD *}) and on every node trimming at the same length, or at least 1,024 (the default is at
 * least 10,000); a node that falls behind before it has delivered its first entry from an empty stream is not
 * told.
 *
 * <p><b>Threading and ownership.</b> Thread-safe. A backplane serves one broadcaster, which starts it and closes it;
 * closing it waits up to the command timeout for the paced appends in flight to be answered, then stops its reader
 * thread and closes its Redis connections and client.
 */
public final class RedisBackplane implements Backplane {
  private static final Logger log = LoggerFactory.getLogger(RedisBackplane.class);
  /** The most entries one {@code XREAD} returns. */
  private static final int BATCH = 1024;
  /** The fewest entries the stream keeps by default, whatever the history. */
  private static final long MIN_DEFAULT_LENGTH = 10_000;
  /** Where a node that found the stream empty starts reading: before any id. */
  private static final String EMPTY = "0-0";
  /** How long one blocking read waits on Redis for new entries before the reader asks again. */
  private static final Duration READ_BLOCK = Duration.ofSeconds(1);
  /** What is known of a command Redis did not answer, for the exception that says so. */
  private static final String NOT_PUBLISHED = "the event was not published";
  private static final String MAYBE_PUBLISHED = "the event may or may not have been published";
  private static final String NOT_READ = "the replay could not be read";

  private final RedisURI uri;
  private final String stream;
  private final int maxLength;
  private final Duration commandTimeout;
  private final Duration minReconnectDelay;
  private final Duration maxReconnectDelay;
  private final Duration onceWindow;
  private final RedisClient client;
  private final NodeProgress progress;
  private final PacedAppends paced;

  private final Object lock = new Object();
  private @Nullable Consumer<BackplaneEntry> deliver; // guarded by lock; set once
  private @Nullable Thread reader; // guarded by lock
  private volatile boolean closed;
  private volatile @Nullable StatefulRedisConnection<String, String> commands;
  private volatile @Nullable StatefulRedisConnection<String, String> reading;
  private volatile State state = State.STARTING;
  private final AtomicLong outages = new AtomicLong();
  private volatile CompletableFuture<Void> nextOutage = new CompletableFuture<>(); // completed by down()
  private long trim; // MAXLEN, fixed at start
  private @Nullable String lastId; // the reader thread's: the newest entry delivered
  private boolean verifyNext; // the reader thread's: ask Redis about a gap before the next batch (after an outage)
  private @Nullable String gapAfter; // the reader thread's: a gap found, for the next entry delivered to carry

  private enum State { STARTING, UP, DOWN }

  private RedisBackplane(Builder b) {
    this.uri = b.uri;
    this.stream = b.stream;
    this.maxLength = b.maxLength;
    this.commandTimeout = b.commandTimeout;
    this.minReconnectDelay = b.minReconnectDelay;
    this.maxReconnectDelay = b.maxReconnectDelay;
    this.onceWindow = b.onceWindow;
    this.client = RedisClient.create(uri);
    // No automatic reconnect: the reader thread reconnects itself and knows where to resume, and a command sent
    // while Redis is away fails at once (fail fast) instead of waiting in Lettuce's queue to be retried, perhaps
    // twice. Timeouts apply to every command, so an unreachable (not just stopped) Redis is found too.
    client.setOptions(ClientOptions.builder()
        .autoReconnect(false)
        .timeoutOptions(TimeoutOptions.enabled())
        .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).keepAlive(true).build())
        .build());
    this.progress = new NodeProgress(client, stream, b.nodeTimeout, () -> commands);
    this.paced = new PacedAppends(stream, onceWindow);
  }

  /**
   * Makes a backplane on the stream {@code herald:events} of the Redis at this URI, with the defaults of
   * {@link Builder}.
   *
   * @param redisUri for example {@code redis://127.0.0.1:6379} (Lettuce's URI syntax: {@code rediss://} for TLS,
   *     {@code redis://:password@host:port/database})
   * @return a backplane to give to {@code BroadcasterConfig.Builder.backplane}
   * @throws IllegalArgumentException if the URI is malformed
   */
  public static RedisBackplane create(String redisUri) {
    return builder(redisUri).build();
  }

  /**
   * Returns a builder for a backplane on the Redis at this URI.
   *
   * @param redisUri for example {@code redis://127.0.0.1:6379}
   * @return a new builder
   * @throws IllegalArgumentException if the URI is malformed
   */
  public static Builder builder(String redisUri) {
    return new Builder(redisUri);
  }

  // ---- Backplane ----

  @Override
  public void start(int history, Consumer<BackplaneEntry> deliver) {
    requireNonNull(deliver, "deliver");
    synchronized (lock) {
      if (this.deliver != null) {
        throw new IllegalStateException("this RedisBackplane is already started; each broadcaster needs its own");
      }
      if (closed) {
        throw new IllegalStateException("this RedisBackplane is closed");
      }
      this.deliver = deliver;
      this.trim = maxLength > 0 ? maxLength : Math.max(2L * history, MIN_DEFAULT_LENGTH);
      // Connect once before returning, so a broadcaster made while Redis is up can publish at once and reads the
      // stream from its end as it is now; if Redis is down, the reader keeps trying in the background.
      try {
        connect();
      } catch (RuntimeException e) {
        down(e);
      }
      progress.start(lastId == null ? EMPTY : lastId);
      Thread thread = new Thread(this::read, "herald-redis-reader");
      thread.setDaemon(true);
      reader = thread;
      thread.start();
    }
  }

  @Override
  public CompletionStage<String> publish(Event event) {
    return publish(event, List.of(), null);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The address is written in the entry's {@code topic} field (names separated by a line feed) or its
   * {@code identity} field, beside the event's.
   */
  @Override
  public CompletionStage<String> publish(Event event, List<String> topics, @Nullable String identity) {
    requireNonNull(event, "event");
    requireNonNull(topics, "topics");
    return append(StreamEntries.fields(event, topics, identity));
  }

  /**
   * {@inheritDoc}
   *
   * <p>The entry has a {@code paced} field. See {@link #awaitOffered} for how the other nodes' progress is known.
   */
  @Override
  public CompletionStage<String> publishPaced(Event event) {
    Map<String, String> fields = StreamEntries.pacedFields(requireNonNull(event, "event"));
    return appendPaced(redis -> paced.append(redis, trim, fields));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Yes: a paced append that was sent is sent again after a lost answer, a timeout or a Redis restart, until it
   * lands, each append numbered by this node so that Redis appends it once (a Lua script checks and records the
   * number with the {@code XADD}, atomically, in {@code <stream>:publisher:<node>}); it is given up, with a warning,
   * when Redis refuses it with an error, when it has not landed within the {@linkplain Builder#idempotencyWindow
   * idempotency window}, or when the backplane closes. This is what makes a paced producer on a cluster run on
   * without waiting for each {@code XADD}'s answer. What Redis had appended survives a Redis restart only with
   * persistence (append-only file).
   *
   * <p>This node has one send of paced appends in flight at a time: those handed over while it is go together once
   * it is answered, up to 64 in one script call, so a producer that bursts costs Redis one call per round trip.
   */
  @Override
  public boolean retriesPacedPublishes() {
    return true;
  }

  @Override
  public CompletionStage<Void> nextOutage() {
    return state == State.UP ? nextOutage : CompletableFuture.completedFuture(null);
  }

  @Override
  public void offered(String id) {
    progress.offered(requireNonNull(id, "id"));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Every node tells the others how far it has offered the paced entries to its clients, on the Redis channel
   * {@code <stream>:progress}, when it has offered one and as a heartbeat. "Every live node" is this one and each
   * other node heard from within the {@linkplain Builder#nodeTimeout node timeout}: a node that comes is waited for
   * from the first time it is heard from (within a round trip of its start), a node that closes says so and is no
   * longer waited for, and a node that dies or is cut off from Redis is excluded once it has not been heard from
   * for the timeout, and counted ({@link #nodesExcluded()}). A node that is heard from but does not pass the entry
   * (its reader stalled) holds the producer back for the timeout at most.
   */
  @Override
  public CompletionStage<Void> awaitOffered(String id) {
    return progress.await(requireNonNull(id, "id"));
  }

  /**
   * Returns how many times another node was excluded from the paced broadcasts' wait because it was not heard from
   * within the node timeout (it died, or was cut off from Redis).
   *
   * @return the count since start
   */
  public long nodesExcluded() {
    return progress.excluded();
  }

  /**
   * Returns how many nodes of the cluster a paced broadcast waits for now: this one, and the others heard from within
   * the node timeout.
   *
   * @return at least 1
   */
  public int liveNodes() {
    return progress.liveNodes();
  }

  /** For tests: how many paced appends were sent again after their answer was lost. */
  long pacedResends() {
    return paced.resent();
  }

  /** For tests: how many commands carried paced appends, batches and appends sent again included. */
  long pacedSends() {
    return paced.sends();
  }

  /** For tests: this node stops telling the others its progress, as one cut off from Redis would. */
  void silenceProgress() {
    progress.silence();
  }

  /**
   * Appends the event unless an entry was appended under this key within {@link Builder#idempotencyWindow}: one
   * Lua script checks the key and appends ({@code XADD}) atomically, and remembers the key with the entry's id in
   * {@code <stream>:once:<key>} ({@code SET ... EX}). A repeat appends nothing and completes with the first
   * entry's id, whichever node it reaches.
   */
  @Override
  public CompletionStage<String> publish(Event event, String idempotencyKey) {
    return appendOnce(StreamEntries.fields(requireNonNull(event, "event")), idempotencyKey);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The same Lua script as {@link #publish(Event, String)}'s, appending an entry with a {@code paced} field.
   */
  @Override
  public CompletionStage<String> publishPaced(Event event, String idempotencyKey) {
    Map<String, String> fields = StreamEntries.pacedFields(requireNonNull(event, "event"));
    requireNonNull(idempotencyKey, "idempotencyKey");
    return appendPaced(redis -> paced.appendOnce(redis,
        commands -> OncePublish.append(commands, stream, trim, onceWindow, idempotencyKey, fields)));
  }

  /** Hands a paced append to {@link PacedAppends}, failing at once (nothing sent) if Redis is known to be away. */
  private CompletionStage<String> appendPaced(
      Function<RedisAsyncCommands<String, String>, CompletableFuture<String>> append) {
    StatefulRedisConnection<String, String> connection = commands;
    if (closed) {
      return CompletableFuture.failedFuture(new BackplaneUnavailableException("the Redis backplane is closed"));
    }
    if (state != State.UP || connection == null || !connection.isOpen()) {
      return CompletableFuture.failedFuture(unavailable(NOT_PUBLISHED, null));
    }
    return append.apply(connection.async());
  }

  /** Appends an entry with these fields unless one was appended under the key (see {@link OncePublish}). */
  private CompletionStage<String> appendOnce(Map<String, String> fields, String idempotencyKey) {
    requireNonNull(idempotencyKey, "idempotencyKey");
    return append(redis -> OncePublish.append(redis, stream, trim, onceWindow, idempotencyKey, fields));
  }

  /** Appends an entry with these fields, trimming the stream; fails fast while Redis is known to be away. */
  private CompletionStage<String> append(Map<String, String> fields) {
    return append(redis -> redis.xadd(stream, XAddArgs.Builder.maxlen(trim).approximateTrimming(), fields));
  }

  /** Sends one appending command, failing at once if Redis is known to be away. */
  private CompletionStage<String> append(Function<RedisAsyncCommands<String, String>, RedisFuture<String>> command) {
    StatefulRedisConnection<String, String> connection = commands;
    if (closed) {
      return CompletableFuture.failedFuture(new BackplaneUnavailableException("the Redis backplane is closed"));
    }
    if (state != State.UP || connection == null || !connection.isOpen()) {
      return CompletableFuture.failedFuture(unavailable(NOT_PUBLISHED, null));
    }
    try {
      return command.apply(connection.async())
          .toCompletableFuture()
          .handle((id, failure) -> {
            if (failure != null) {
              // The command was sent: Redis may have appended it and only the answer was lost.
              throw unavailable(MAYBE_PUBLISHED, failure);
            }
            return id;
          });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(unavailable(NOT_PUBLISHED, e));
    }
  }

  @Override
  public CompletionStage<@Nullable ReplayPage> replay(String afterId, int max) {
    requireNonNull(afterId, "afterId");
    if (!StreamIds.isId(afterId) || max < 1) {
      return CompletableFuture.completedFuture(null);
    }
    StatefulRedisConnection<String, String> connection = commands;
    if (state != State.UP || connection == null || !connection.isOpen()) {
      return CompletableFuture.failedFuture(unavailable(NOT_READ, null));
    }
    RedisAsyncCommands<String, String> redis = connection.async();
    try {
      // First whether the id is there at all, a read of one entry at most: a stale or forged id costs nothing more.
      return redis.xrange(stream, Range.create(afterId, afterId)).toCompletableFuture()
          .thenCompose(found -> found.isEmpty()
              ? CompletableFuture.<@Nullable ReplayPage>completedFuture(null)
              : page(redis, afterId, max))
          .handle((page, failure) -> {
            if (failure != null) {
              throw unavailable(NOT_READ, failure);
            }
            return page;
          });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(unavailable(NOT_READ, e));
    }
  }

  /**
   * Reads up to {@code max} entries after an id found in the stream, and one more to tell whether more follow.
   * From the id itself, inclusive: if the first entry is not that id, it was trimmed since it was found.
   */
  private CompletableFuture<@Nullable ReplayPage> page(RedisAsyncCommands<String, String> redis, String afterId,
      int max) {
    Range<String> range = Range.from(Range.Boundary.including(afterId), Range.Boundary.unbounded());
    return redis.xrange(stream, range, Limit.from(max + 2L)).toCompletableFuture().thenApply(messages -> {
      if (messages.isEmpty() || !messages.get(0).getId().equals(afterId)) {
        return null;
      }
      int end = Math.min(messages.size(), max + 1);
      List<BackplaneEntry> entries = new ArrayList<>(end - 1);
      for (StreamMessage<String, String> message : messages.subList(1, end)) {
        BackplaneEntry entry = StreamEntries.entry(message.getId(), message.getBody(), null);
        if (entry != null) {
          entries.add(entry);
        }
      }
      return new ReplayPage(entries, messages.size() > max + 1);
    });
  }

  @Override
  public Comparator<String> idOrder() {
    return StreamIds.ORDER;
  }

  @Override
  public boolean isUp() {
    return state == State.UP;
  }

  @Override
  public long outages() {
    return outages.get();
  }

  @Override
  public void close() {
    Thread thread;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      thread = reader;
    }
    if (state == State.UP) {
      paced.awaitLanded(commandTimeout); // the paced appends in flight are answered, not given up
    }
    closeQuietly(reading); // ends a blocked XREAD at once
    if (thread != null) {
      LockSupport.unpark(thread); // ends a backoff at once
      try {
        thread.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    paced.close();
    progress.close(); // says goodbye on the command connection, so before it closes
    closeQuietly(commands);
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  @Override
  public String toString() {
    return "RedisBackplane[" + uri.getHost() + ":" + uri.getPort() + " " + stream + " " + state + "]";
  }

  // ---- the reader ----

  /** Opens both connections and, the first time, finds where the stream ends now. Reader thread or start. */
  private void connect() {
    StatefulRedisConnection<String, String> reads = client.connect();
    reads.setTimeout(READ_BLOCK.plus(commandTimeout)); // a blocking read takes up to READ_BLOCK by design
    reading = reads;
    if (closed) {
      closeQuietly(reads);
      return;
    }
    RedisCommands<String, String> sync = reads.sync();
    if (lastId == null) {
      List<StreamMessage<String, String>> tail = sync.xrevrange(stream, Range.unbounded(), Limit.from(1));
      lastId = tail.isEmpty() ? EMPTY : tail.get(0).getId();
    } else {
      verifyNext = true; // other nodes may have gone on, or Redis may have lost data: check the first batch
    }
    StatefulRedisConnection<String, String> old = commands;
    if (old == null || !old.isOpen()) {
      StatefulRedisConnection<String, String> connection = client.connect();
      connection.setTimeout(commandTimeout);
      commands = connection;
      closeQuietly(old);
    }
    // The paced appends that did not land go first, before any new publish is accepted, so Redis keeps their order.
    paced.resend(requireNonNull(commands).async(), true);
    if (state != State.UP) {
      if (nextOutage.isDone()) {
        nextOutage = new CompletableFuture<>();
      }
      if (state == State.DOWN) {
        log.info("Redis at {} is reachable again; reading {} after {}", address(), stream, lastId);
      }
      state = State.UP;
    }
  }

  private void read() {
    long delayNanos = minReconnectDelay.toNanos();
    Consumer<BackplaneEntry> sink;
    synchronized (lock) {
      sink = requireNonNull(deliver);
    }
    while (!closed) {
      try {
        StatefulRedisConnection<String, String> reads = reading;
        if (state != State.UP || reads == null || !reads.isOpen()) {
          closeQuietly(reads);
          connect();
          reads = requireNonNull(reading);
        }
        delayNanos = minReconnectDelay.toNanos();
        XReadArgs args = XReadArgs.Builder.block(READ_BLOCK).count(BATCH);
        while (!closed) {
          String last = requireNonNull(lastId);
          List<StreamMessage<String, String>> batch = xread(reads.sync(), args, last);
          if (!batch.isEmpty()) {
            checkForGap(reads.sync(), last, batch.get(0).getId(), batch.size());
          }
          for (StreamMessage<String, String> message : batch) {
            deliver(sink, message);
          }
          StatefulRedisConnection<String, String> connection = commands;
          if (connection == null || !connection.isOpen()) {
            throw new BackplaneUnavailableException("the command connection to Redis closed");
          }
          paced.resend(connection.async(), false); // after a timeout on a connection that stayed open
        }
      } catch (RuntimeException e) {
        if (closed) {
          break;
        }
        down(e);
        closeQuietly(reading);
        paced.expire();
        LockSupport.parkNanos(this, delayNanos); // close() unparks
        delayNanos = Math.min(delayNanos * 2, maxReconnectDelay.toNanos());
      }
    }
    closeQuietly(reading);
    log.debug("stopped reading {} from Redis at {}", stream, address());
  }

  @SuppressWarnings("unchecked") // one stream offset through Lettuce's generic varargs
  private List<StreamMessage<String, String>> xread(RedisCommands<String, String> sync, XReadArgs args,
      String after) {
    return sync.xread(args, XReadArgs.StreamOffset.from(stream, after));
  }

  private void deliver(Consumer<BackplaneEntry> sink, StreamMessage<String, String> message) {
    lastId = message.getId();
    BackplaneEntry entry = StreamEntries.entry(message.getId(), message.getBody(), gapAfter);
    if (entry == null) {
      log.warn("skipping stream entry {} of {}: its fields are not an event with a well-formed address: {}",
          message.getId(), stream, message.getBody().keySet());
      return;
    }
    gapAfter = null;
    try {
      sink.accept(entry);
    } catch (RuntimeException e) {
      log.warn("delivering stream entry {} failed", message.getId(), e);
    }
  }

  /**
   * Finds out whether the stream lost entries between the last one this node delivered and the first of the batch
   * just read; if so, logs it and has the next entry delivered carry the gap. Reader thread.
   */
  private void checkForGap(RedisCommands<String, String> sync, String last, String first, int batchSize) {
    boolean verify = verifyNext;
    verifyNext = false;
    if (!mayHaveLost(last, first, batchSize, Math.min(BATCH, trim), verify)) {
      return;
    }
    // Trimming removes the oldest entries first: while the last entry delivered is there, none after it was trimmed.
    // (If it was trimmed only after the batch was read, this reports a gap that was not: the node was at least
    // MAXLEN behind all the same.)
    if (!sync.xrange(stream, Range.create(last, last)).isEmpty()) {
      return;
    }
    // With a sequence above 0, the entry generated just before the first one is known to be gone; with 0, the
    // trim may have stopped exactly at the last entry delivered.
    log.warn("this node {} entries of the Redis stream {} after {}, the last it delivered: the stream no longer"
        + " has that entry, trimmed (MAXLEN ~ {}) while this node was behind, or lost by Redis. Its clients are"
        + " told that they missed events (replay-miss handler); it reads on from {}",
        StreamIds.predecessor(first) == null ? "may have missed" : "missed", stream, last, trim, first);
    if (gapAfter == null) {
      gapAfter = last;
    }
  }

  /**
   * Tells whether a node may have lost entries between the last one it delivered and the first of the batch it
   * just read, from what it knows without asking Redis; if so, it asks (one {@code XRANGE} of that last entry).
   *
   * <p>First the ids: Redis generates {@code <ms>-<seq>} with the sequence counting up from 0 within a millisecond
   * ({@link StreamIds#predecessor}), so when the batch's first id has a sequence above 0, the id generated just
   * before it is known, and if that is not the last one delivered, an entry between them is gone. In a burst, when
   * entries come many to a millisecond, this decides most batches for free. When the sequence is 0 the ids do not
   * tell, and the size of the batch does: approximate trimming ({@code MAXLEN ~}) always keeps at least
   * {@code trim} entries, all newer than any it removed, so after a gap {@code XREAD} returns at least
   * {@code min(count, trim)} entries; a smaller batch is no gap. After a reconnect the first batch is always
   * checked, since Redis may have lost data while it was away.
   *
   * @param last the id of the last entry delivered, or {@code 0-0} if the stream was empty when the node started
   * @param first the id of the first entry of the batch
   * @param batchSize how many entries the batch holds
   * @param suspectAt the batch size from which a gap is possible: {@code min(count, trim)}
   * @param verify whether this is the first batch after a reconnect
   * @return {@code true} if entries may be missing between {@code last} and {@code first}
   */
  static boolean mayHaveLost(String last, String first, int batchSize, long suspectAt, boolean verify) {
    if (last.equals(EMPTY)) {
      return false; // nothing delivered yet from an empty stream: no entry to check against
    }
    String before = StreamIds.predecessor(first);
    if (before != null) {
      return !before.equals(last);
    }
    return verify || batchSize >= suspectAt;
  }

  private void down(RuntimeException cause) {
    if (state != State.DOWN) {
      state = State.DOWN;
      nextOutage.complete(null);
      outages.incrementAndGet();
      log.warn("Redis at {} is unreachable; broadcasts fail until it is back, clients stay connected ({})",
          address(), String.valueOf(cause));
    } else {
      log.debug("Redis at {} is still unreachable", address(), cause);
    }
  }

  /**
   * The exception for a command Redis did not answer, saying what is known of its outcome: an event Redis was never
   * sent was not published, but one whose answer was lost may have been.
   */
  private BackplaneUnavailableException unavailable(String outcome, @Nullable Throwable cause) {
    String message = "Redis at " + address() + (cause == null ? " is unreachable; " : " did not answer; ") + outcome;
    Throwable root = cause;
    while (root instanceof java.util.concurrent.CompletionException && root.getCause() != null) {
      root = root.getCause();
    }
    if (root instanceof BackplaneUnavailableException unavailable) {
      return unavailable;
    }
    return root == null ? new BackplaneUnavailableException(message)
        : new BackplaneUnavailableException(message + ": " + root.getMessage(), root);
  }

  private String address() {
    return uri.getHost() + ":" + uri.getPort();
  }

  private static void closeQuietly(@Nullable StatefulRedisConnection<String, String> connection) {
    if (connection != null && connection.isOpen()) { // Lettuce closes a connection itself when Redis drops it
      try {
        connection.close();
      } catch (RuntimeException e) {
        log.debug("closing a Redis connection failed", e);
      }
    }
  }

  /**
   * Builds a {@link RedisBackplane}. Not thread-safe; use it from one thread.
   */
  public static final class Builder {
    private final RedisURI uri;
    private String stream = "herald:events";
    private int maxLength;
    private Duration commandTimeout = Duration.ofSeconds(2);
    private Duration minReconnectDelay = Duration.ofMillis(100);
    private Duration maxReconnectDelay = Duration.ofSeconds(2);
    private Duration onceWindow = Duration.ofMinutes(5);
    private Duration nodeTimeout = Duration.ofSeconds(5);

    private Builder(String redisUri) {
      requireNonNull(redisUri, "redisUri");
      try {
        this.uri = RedisURI.create(redisUri);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("not a Redis URI: " + redisUri + " (" + e.getMessage() + ")", e);
      }
    }

    /**
     * Sets the stream's key. Default {@code herald:events}. Nodes that share a key are one cluster.
     *
     * @param key the key
     * @return this builder
     * @throws IllegalArgumentException if empty
     */
    public Builder stream(String key) {
      requireNonNull(key, "key");
      if (key.isEmpty()) {
        throw new IllegalArgumentException("the stream key must not be empty");
      }
      this.stream = key;
      return this;
    }

    /**
     * Sets how many entries the stream keeps ({@code XADD MAXLEN ~}, so Redis may keep a few more). Default: twice
     * the broadcaster's history, and at least 10,000 entries.
     *
     * <p>The stream is also what a node catches up from when its reader falls behind (a GC pause or a slow host
     * during a burst of broadcasts from other nodes): a node that falls further behind than this loses the
     * entries trimmed meanwhile, and can only tell its clients so (see {@link RedisBackplane}). So keep it above
     * the history (so that an id a node can replay from its history is also in the stream), and well above the
     * largest burst a node may sleep through. The cost is Redis memory, once for the whole cluster, about the size
     * of an entry's fields plus a few bytes each: on Redis 7.0, 10,000 entries of 200 bytes of data take about
     * 2.4 MB, of 1,000 bytes about 11 MB. Every node trims when it publishes, so give all nodes the same length, and
     * at least 1,024 (one read's worth), or a node's fall-behind check may miss a gap.
     *
     * @param entries at least 1, or 0 for the default
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder maxLength(int entries) {
      if (entries < 0) {
        throw new IllegalArgumentException("maxLength must not be negative: " + entries);
      }
      this.maxLength = entries;
      return this;
    }

    /**
     * Sets how long a command or connection attempt may take before Redis counts as unreachable. Default 2 s.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = positive(timeout, "commandTimeout");
      return this;
    }

    /**
     * Sets the delay before the first reconnect attempt after Redis became unreachable, and the most it doubles
     * to while Redis stays away. Default 100 ms, up to 2 s.
     *
     * @param min the first delay, positive
     * @param max the longest delay, at least {@code min}
     * @return this builder
     * @throws IllegalArgumentException if not positive, or max is less than min
     */
    public Builder reconnectDelay(Duration min, Duration max) {
      positive(min, "min");
      positive(max, "max");
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException("the longest reconnect delay is less than the first: " + max);
      }
      this.minReconnectDelay = min;
      this.maxReconnectDelay = max;
      return this;
    }

    /**
     * Sets how long Redis remembers an idempotency key of {@code Broadcaster.broadcastOnce}: a retry under the same
     * key within this time appends nothing, on any node; a later one is a new event. Default 5 minutes; whole
     * seconds, at least one.
     *
     * <p>Make it longer than a producer retries for. Each key costs Redis about 200 bytes for the window (on Redis
     * 7.0, with a 36-character key), so a producer of 1,000 keyed events a second holds about 60 MB of keys at the
     * default.
     *
     * <p>It is also how long a paced broadcast handed to Redis is sent again (its answer lost, Redis away) before
     * it is given up (see {@link RedisBackplane#retriesPacedPublishes()}).
     *
     * @param window positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder idempotencyWindow(Duration window) {
      this.onceWindow = positive(window, "idempotencyWindow");
      return this;
    }

    /**
     * Sets how long another node may go unheard before a paced broadcast stops waiting for it (it died, or is cut
     * off from Redis), and the most a paced broadcast waits for a node that does not pass its entry. Every node says
     * how far it got at least four times within it. Default 5 s. Give all nodes the same.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder nodeTimeout(Duration timeout) {
      this.nodeTimeout = positive(timeout, "nodeTimeout");
      return this;
    }

    private static Duration positive(Duration value, String name) {
      requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + value);
      }
      return value;
    }

    /**
     * Builds the backplane. It connects when its broadcaster starts it.
     *
     * @return a new backplane
     */
    public RedisBackplane build() {
      return new RedisBackplane(this);
    }
  }
}
