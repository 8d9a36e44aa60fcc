package dev.herald.sse.redis;

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
 * <p>Each paced append is numbered by the node, in the order it is sent, and is one Lua script that appends the
 * entry ({@code XADD}) only if this node's last number recorded in Redis ({@code HSET <stream>:publisher:<node>})
 * is below its own, and records it, atomically; so an append that is sent again (its answer was lost, Redis
 * restarted) lands once, as Kafka's idempotent producer's sequence numbers do. Appends under an idempotency key are
 * {@link OncePublish}'s script, already safe to send again. Every append is sent on the one command connection, so
 * Redis applies them in the order they were numbered, retries included: they are sent again, oldest first, before
 * any new one.
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
  /**
   * KEYS: this node's record, the stream. ARGV: the append's number, the trim length, the record's lifetime in
   * seconds, then the entry's fields and values. Answers the new entry's id, or, for a number already recorded,
   * the id recorded with the last number (that entry or a later one of this node's).
   */
  private static final String SCRIPT = """
      local last = redis.call('HMGET', KEYS[1], 'n', 'id')
      if last[1] and tonumber(last[1]) >= tonumber(ARGV[1]) then
        return last[2]
      end
      local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 4))
      redis.call('HSET', KEYS[1], 'n', ARGV[1], 'id', id)
      redis.call('EXPIRE', KEYS[1], ARGV[3])
      return id
      """;

  private final String stream;
  private final String record;
  private final long retryNanos;
  private final String recordSeconds;
  private final ArrayDeque<Append> unlanded = new ArrayDeque<>(); // guarded by this, oldest first
  private long number; // guarded by this: the last append's number
  private boolean failed; // guarded by this: an append failed since they were last sent again
  private boolean closed; // guarded by this
  private long resent; // guarded by this: attempts sent again

  /**
   * Makes a node's paced appends to a stream.
   *
   * @param stream the stream's key
   * @param retry how long an append is retried before it is given up
   */
  PacedAppends(String stream, Duration retry) {
    this.stream = stream;
    this.record = stream + ":publisher:" + UUID.randomUUID();
    this.retryNanos = retry.toNanos();
    // Longer than an append is retried, so that its record outlives every retry of it.
    this.recordSeconds = Long.toString(Math.max(1, 2 * retry.toSeconds()));
  }

  /**
   * Sends a paced append of these fields, numbered, on the command connection.
   *
   * @param redis the command connection's commands; Redis is known to be up
   * @param trim the stream's trim length
   * @param fields the entry's fields
   * @return the stage of the append: completes with the entry's id once it landed, fails once it is given up
   */
  CompletableFuture<String> append(RedisAsyncCommands<String, String> redis, long trim, Map<String, String> fields) {
    String[] args = new String[3 + 2 * fields.size()];
    args[1] = Long.toString(trim);
    args[2] = recordSeconds;
    int i = 3;
    for (Map.Entry<String, String> field : fields.entrySet()) {
      args[i++] = field.getKey();
      args[i++] = field.getValue();
    }
    String[] keys = {record, stream};
    synchronized (this) {
      args[0] = Long.toString(++number);
      return send(redis, new Append(commands -> commands.eval(SCRIPT, ScriptOutputType.VALUE, keys, args)));
    }
  }

  /**
   * Sends an append that is safe to send again as it is (an idempotency key's), in order with the numbered ones.
   *
   * @param redis the command connection's commands; Redis is known to be up
   * @param command the append
   * @return the stage of the append, as {@link #append}'s
   */
  CompletableFuture<String> appendOnce(RedisAsyncCommands<String, String> redis,
      Function<RedisAsyncCommands<String, String>, RedisFuture<String>> command) {
    synchronized (this) {
      return send(redis, new Append(command));
    }
  }

  private CompletableFuture<String> send(RedisAsyncCommands<String, String> redis, Append append) {
    if (closed) {
      append.result.completeExceptionally(new BackplaneUnavailableException("the Redis backplane is closed"));
      return append.result;
    }
    unlanded.addLast(append);
    attempt(redis, append);
    return append.result;
  }

  /** Sends one attempt of an append; guarded by this, so that attempts go out in order. */
  private void attempt(RedisAsyncCommands<String, String> redis, Append append) {
    RedisFuture<String> sent;
    try {
      sent = append.command.apply(redis);
    } catch (RuntimeException e) {
      failed(append, e);
      return;
    }
    sent.whenComplete((id, failure) -> {
      if (failure == null) {
        landed(append, id);
      } else {
        failed(append, failure);
      }
    });
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
      long now = System.nanoTime();
      List<Append> again = new ArrayList<>(unlanded);
      for (Append append : again) {
        if (now - append.handedNanos > retryNanos) {
          expired.add(append);
        } else {
          resent++;
          attempt(redis, append);
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

  /** One append not landed yet. */
  private static final class Append {
    final Function<RedisAsyncCommands<String, String>, RedisFuture<String>> command;
    final CompletableFuture<String> result = new CompletableFuture<>();
    final long handedNanos = System.nanoTime();

    Append(Function<RedisAsyncCommands<String, String>, RedisFuture<String>> command) {
      this.command = command;
    }
  }
}
