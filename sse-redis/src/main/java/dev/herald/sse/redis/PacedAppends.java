package dev.herald.sse.redis;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.BackplaneUnavailableException;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The paced appends one node has handed to Redis and not yet seen land, retried until each is in the stream exactly
 * once: what lets a paced producer go on before Redis acknowledges its event.
 *
 * <p>Each paced append is numbered by the node, in the order it is handed over, and appended by a Lua script that
 * appends the entry ({@code XADD}) only if this node's last number recorded in Redis
 * ({@code HSET <stream>:publisher:<node>}) is below its own, and records it, atomically; so an append that is sent
 * again (its answer was lost, Redis restarted) lands once, as Kafka's idempotent producer's sequence numbers do.
 * Appends under an idempotency key are {@link OncePublish}'s script, already safe to send again. Every append is sent
 * on the one command connection, so Redis applies them in the order they were numbered, retries included: they are
 * sent again, oldest first, before any new one.
 *
 * <p><b>Batching.</b> One send is in flight at a time: an append handed over while none is goes out at once, and those
 * handed over while one is wait for its answer and then go out together, each run of numbered appends as one script
 * call of up to {@value #MAX_BATCH} entries (a group commit). So a producer that bursts costs Redis one command per
 * round trip rather than one per event, and a lone append waits for nothing; one that comes while another is in
 * flight waits at most that one's round trip.
 *
 * <p>An append whose sending failed (the connection dropped, a timeout) is sent again when the reader reconnects,
 * before new publishes are accepted, or, on a connection that stayed open, after the reader's next read. It is given up
 * (its stage fails, and a warning is logged) when Redis answers it with an error other than "loading" or "busy" (it was
 * not appended: retrying would not change that), when it has not landed within the retry window, or when the backplane
 * closes.
 *
 * <p><b>Threading.</b> Thread-safe: one lock numbers the appends, keeps those not landed in order and sends them, so
 * that the connection carries them in that order (sending does not block); stages complete outside it.
 */
final class PacedAppends {
  private static final Logger log = LoggerFactory.getLogger(PacedAppends.class);
  /** The most entries one script call appends. */
  static final int MAX_BATCH = 64;
  /** The most characters of fields one script call carries, beyond its first entry. */
  private static final int MAX_BATCH_CHARS = 1 << 20;
  /**
   * KEYS: this node's record, the stream. ARGV: the trim length, the record's lifetime in seconds, then for each
   * entry, oldest first: its number, how many of its fields' names and values follow, and those. Answers one id per
   * entry: the new entry's, or, for a number already recorded, the id recorded with the last number (that entry or a
   * later one of this node's). If an {@code XADD} fails, the answer ends with {@code -} and Redis's error in place of
   * that entry's id (ids never start with {@code -}), and the entries after it are not appended.
   */
  private static final String SCRIPT = """
      local last = redis.call('HMGET', KEYS[1], 'n', 'id')
      local recorded = tonumber(last[1]) or 0
      local number = last[1]
      local id = last[2]
      local ids = {}
      local at = 3
      while at <= #ARGV do
        local size = tonumber(ARGV[at + 1])
        if tonumber(ARGV[at]) > recorded then
          local added = redis.pcall('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, at + 2, at + 1 + size))
          if type(added) == 'table' then
            ids[#ids + 1] = '-' .. tostring(added.err)
            break
          end
          id = added
          number = ARGV[at]
          recorded = tonumber(number)
        end
        ids[#ids + 1] = id
        at = at + 2 + size
      end
      if number ~= last[1] then
        redis.call('HSET', KEYS[1], 'n', number, 'id', id)
      end
      redis.call('EXPIRE', KEYS[1], ARGV[2])
      return ids
      """;

  private final String[] keys;
  private final String stream;
  private final long retryNanos;
  private final String recordSeconds;
  private final ArrayDeque<Append> unlanded = new ArrayDeque<>(); // guarded by this, oldest first
  private final ArrayDeque<Append> waiting = new ArrayDeque<>(); // guarded by this: handed over, not sent yet
  private @Nullable RedisAsyncCommands<String, String> connection; // guarded by this: where waiting ones go
  private String trim = "0"; // guarded by this: the trim length, as the script takes it
  private int inFlight; // guarded by this: sends of waiting appends not answered yet in this round
  private long round; // guarded by this: counts the times all were sent again, which starts a round
  private long number; // guarded by this: the last append's number
  private boolean failed; // guarded by this: an append failed since they were last sent again
  private boolean closed; // guarded by this
  private long resent; // guarded by this: attempts sent again
  private long sends; // guarded by this: commands that carried appends

  /**
   * Makes a node's paced appends to a stream.
   *
   * @param stream the stream's key
   * @param retry how long an append is retried before it is given up
   */
  PacedAppends(String stream, Duration retry) {
    this.stream = stream;
    this.keys = new String[] {stream + ":publisher:" + UUID.randomUUID(), stream};
    this.retryNanos = retry.toNanos();
    // Longer than an append is retried, so that its record outlives every retry of it.
    this.recordSeconds = Long.toString(Math.max(1, 2 * retry.toSeconds()));
  }

  /**
   * Hands over a paced append of these fields, numbered, to be sent on the command connection at once or with the
   * next batch.
   *
   * @param redis the command connection's commands; Redis is known to be up
   * @param trim the stream's trim length
   * @param fields the entry's fields
   * @return the stage of the append: completes with the entry's id once it landed, fails once it is given up
   */
  CompletableFuture<String> append(RedisAsyncCommands<String, String> redis, long trim, Map<String, String> fields) {
    String[] entry = new String[2 + 2 * fields.size()];
    entry[1] = Integer.toString(2 * fields.size());
    int i = 2;
    for (Map.Entry<String, String> field : fields.entrySet()) {
      entry[i++] = field.getKey();
      entry[i++] = field.getValue();
    }
    synchronized (this) {
      this.trim = Long.toString(trim);
      entry[0] = Long.toString(++number);
      return hand(redis, new Append(entry, null));
    }
  }

  /**
   * Hands over an append that is safe to send again as it is (an idempotency key's), in order with the numbered ones.
   *
   * @param redis the command connection's commands; Redis is known to be up
   * @param command the append
   * @return the stage of the append, as {@link #append}'s
   */
  CompletableFuture<String> appendOnce(RedisAsyncCommands<String, String> redis,
      Function<RedisAsyncCommands<String, String>, RedisFuture<String>> command) {
    synchronized (this) {
      return hand(redis, new Append(null, command));
    }
  }

  /** Guarded by this: keeps an append until it lands, and sends it now if nothing is in flight. */
  private CompletableFuture<String> hand(RedisAsyncCommands<String, String> redis, Append append) {
    if (closed) {
      append.result.completeExceptionally(new BackplaneUnavailableException("the Redis backplane is closed"));
      return append.result;
    }
    unlanded.addLast(append);
    waiting.addLast(append);
    connection = redis;
    if (inFlight == 0) {
      sendWaiting();
    }
    return append.result;
  }

  /**
   * Guarded by this: sends every waiting append, oldest first, each run of numbered ones in batches, and counts the
   * sends in flight.
   */
  private void sendWaiting() {
    RedisAsyncCommands<String, String> redis = requireNonNull(connection);
    while (!waiting.isEmpty()) {
      Append first = waiting.pollFirst();
      if (first.result.isDone()) {
        continue; // given up while it waited
      }
      List<Append> batch = new ArrayList<>();
      batch.add(first);
      if (first.entry != null) {
        int chars = 0;
        while (batch.size() < MAX_BATCH && !waiting.isEmpty() && waiting.peekFirst().entry != null
            && chars + waiting.peekFirst().chars <= MAX_BATCH_CHARS) {
          Append next = waiting.pollFirst();
          chars += next.chars;
          batch.add(next);
        }
      }
      inFlight++;
      attempt(redis, batch, true);
    }
  }

  /**
   * Guarded by this, so that attempts go out in order: sends one attempt of a batch of appends (or of one append
   * under an idempotency key).
   *
   * @param counted whether it is a send of waiting appends, whose answer lets the next ones go
   */
  private void attempt(RedisAsyncCommands<String, String> redis, List<Append> batch, boolean counted) {
    long sentIn = round;
    sends++;
    RedisFuture<?> sent;
    try {
      Append first = batch.get(0);
      sent = first.command != null ? first.command.apply(redis) : redis.eval(SCRIPT, ScriptOutputType.MULTI, keys,
          arguments(batch));
    } catch (RuntimeException e) {
      answered(counted, sentIn);
      for (Append append : batch) {
        failed(append, e);
      }
      return;
    }
    sent.whenComplete((reply, failure) -> {
      answered(counted, sentIn);
      if (failure != null) {
        for (Append append : batch) {
          failed(append, failure);
        }
      } else if (reply instanceof List<?> ids) {
        landed(batch, ids);
      } else {
        landed(batch.get(0), (String) reply);
      }
    });
  }

  /** A send of waiting appends was answered: once none of this round is in flight, the next ones go. */
  private synchronized void answered(boolean counted, long sentIn) {
    if (counted && sentIn == round && --inFlight == 0 && !waiting.isEmpty()) {
      sendWaiting();
    }
  }

  private String[] arguments(List<Append> batch) {
    int size = 2;
    for (Append append : batch) {
      size += requireNonNull(append.entry).length;
    }
    String[] args = new String[size];
    args[0] = trim;
    args[1] = recordSeconds;
    int at = 2;
    for (Append append : batch) {
      String[] entry = requireNonNull(append.entry);
      System.arraycopy(entry, 0, args, at, entry.length);
      at += entry.length;
    }
    return args;
  }

  /** Takes the script's answer to a batch: one id per entry, up to an error, if any, that stopped it. */
  private void landed(List<Append> batch, List<?> ids) {
    for (int i = 0; i < batch.size(); i++) {
      Object id = i < ids.size() ? ids.get(i) : null;
      if (id instanceof String text && !text.startsWith("-")) {
        landed(batch.get(i), text);
        continue;
      }
      String why = id instanceof String text ? "Redis refused it: " + text.substring(1) : "Redis answered no id";
      for (Append append : batch.subList(i, batch.size())) {
        giveUp(append, why, null);
      }
      return;
    }
  }

  private void landed(Append append, String id) {
    synchronized (this) {
      unlanded.remove(append);
      notifyAll(); // for awaitLanded
    }
    append.result.complete(id);
  }

  private void failed(Append append, Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof RedisCommandExecutionException
        && !(cause instanceof RedisLoadingException || cause instanceof RedisBusyException)) {
      // Redis answered with an error: the script appended nothing, and would not on a second try either.
      giveUp(append, "Redis refused it: " + cause.getMessage(), cause);
      return;
    }
    synchronized (this) {
      failed = true;
    }
    log.debug("a paced append to {} failed, to be sent again: {}", stream, cause.toString());
  }

  /**
   * Sends again, oldest first, every append that has not landed, after a failure, giving up those older than the
   * retry window. Called by the reader: before it accepts new publishes after a reconnect ({@code always}), and
   * after each read on a connection that stayed open.
   *
   * @param redis the command connection's commands
   * @param always whether to send them again even if no failure was seen (a new connection)
   */
  void resend(RedisAsyncCommands<String, String> redis, boolean always) {
    List<Append> expired = new ArrayList<>();
    synchronized (this) {
      if (!failed && !always || unlanded.isEmpty()) {
        return;
      }
      failed = false;
      // A new round: the waiting appends go now with the others, and answers to earlier sends no longer hold the
      // next ones back.
      round++;
      inFlight = 0;
      waiting.clear();
      connection = redis;
      long now = System.nanoTime();
      List<Append> again = new ArrayList<>(unlanded);
      for (Append append : again) {
        if (now - append.handedNanos > retryNanos) {
          expired.add(append);
        } else {
          resent++;
          attempt(redis, List.of(append), false);
        }
      }
      log.debug("sent {} paced appends to {} again", again.size() - expired.size(), stream);
    }
    for (Append append : expired) {
      giveUp(append, "not appended within the retry window; it may or may not have been", null);
    }
  }

  /** For tests: how many attempts were sent again. */
  synchronized long resent() {
    return resent;
  }

  /** For tests: how many commands carried appends, batches and attempts sent again included. */
  synchronized long sends() {
    return sends;
  }

  /** Gives up the appends that have not landed within the retry window: called while Redis is away. */
  void expire() {
    List<Append> expired = new ArrayList<>();
    long now = System.nanoTime();
    synchronized (this) {
      for (Append append : unlanded) {
        if (now - append.handedNanos > retryNanos) {
          expired.add(append);
        }
      }
    }
    for (Append append : expired) {
      giveUp(append, "not appended within the retry window; it may or may not have been", null);
    }
  }

  /**
   * Waits until every append sent has landed or been given up, or the timeout has passed: a node that closes while
   * Redis is up lets the appends in flight be answered. Blocks the caller.
   *
   * @param timeout the longest wait
   */
  void awaitLanded(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (!unlanded.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Gives up every append that has not landed: the backplane closes. */
  void close() {
    List<Append> left;
    synchronized (this) {
      closed = true;
      waiting.clear();
      left = new ArrayList<>(unlanded);
    }
    for (Append append : left) {
      giveUp(append, "the backplane closed before Redis acknowledged it; it may or may not have been", null);
    }
  }

  private void giveUp(Append append, String why, @Nullable Throwable cause) {
    synchronized (this) {
      if (!unlanded.remove(append)) {
        return; // it landed, or was given up, meanwhile
      }
      notifyAll(); // for awaitLanded
    }
    log.warn("a paced broadcast handed to Redis for {} was given up: {}", stream, why);
    String message = "a paced broadcast was not published: " + why;
    append.result.completeExceptionally(cause == null ? new BackplaneUnavailableException(message)
        : new BackplaneUnavailableException(message, cause));
  }

  /** One append not landed yet: a numbered entry for the script, or a command of its own. */
  private static final class Append {
    /** Its number, how many names and values follow, and those; {@code null} for a command of its own. */
    final String @Nullable [] entry;
    final @Nullable Function<RedisAsyncCommands<String, String>, RedisFuture<String>> command;
    final CompletableFuture<String> result = new CompletableFuture<>();
    final long handedNanos = System.nanoTime();
    /** How many characters its entry's parts have, for the batch's bound; 0 for a command of its own. */
    final int chars;

    Append(String @Nullable [] entry,
        @Nullable Function<RedisAsyncCommands<String, String>, RedisFuture<String>> command) {
      this.entry = entry;
      this.command = command;
      int sum = 0;
      if (entry != null) {
        for (String part : entry) {
          sum += part.length();
        }
      }
      this.chars = sum;
    }
  }
}
