package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The idempotency keys a broadcaster on one node has seen lately, with each one's outcome: what makes
 * {@code broadcastOnce} send an event once however often its producer retries it (a cluster asks its backplane
 * instead).
 *
 * <p>Bounded by count and age, oldest first out, so a producer that never repeats a key costs a fixed amount of
 * memory: a few hundred bytes a key, a few MB at the most.
 *
 * <p><b>Threading.</b> Thread-safe; {@link #once} runs the send outside its lock.
 */
final class OnceKeys {
  /** The most keys remembered. */
  static final int MAX_KEYS = 10_000;
  /** How long a key is remembered. */
  static final Duration WINDOW = Duration.ofMinutes(5);
  /** The longest key accepted, in chars. */
  static final int MAX_KEY_LENGTH = 200;

  private final Map<String, Seen> seen = new LinkedHashMap<>(); // guarded by this, oldest first
  private final int maxKeys;
  private final long windowNanos;

  private record Seen(CompletableFuture<Void> outcome, long at) {}

  OnceKeys() {
    this(MAX_KEYS, WINDOW);
  }

  OnceKeys(int maxKeys, Duration window) {
    this.maxKeys = maxKeys;
    this.windowNanos = window.toNanos();
  }

  /**
   * Checks an idempotency key as {@code Broadcaster.broadcastOnce} documents it.
   *
   * @return the key
   * @throws IllegalArgumentException if empty, longer than {@link #MAX_KEY_LENGTH} or holding a control character
   */
  static String check(String key) {
    requireNonNull(key, "idempotencyKey");
    if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException("an idempotency key has 1 to " + MAX_KEY_LENGTH + " characters: "
          + key.length());
    }
    for (int i = 0; i < key.length(); i++) {
      if (Character.isISOControl(key.charAt(i))) {
        throw new IllegalArgumentException("an idempotency key has no control characters");
      }
    }
    return key;
  }

  /**
   * Sends once per key: runs {@code send} for a key not seen within the window and remembers its outcome, or
   * returns the outcome of the call that did. A send that fails, at once or later, is forgotten, so its retry runs.
   *
   * @param key a checked key
   * @param now {@link System#nanoTime()}
   * @param send sends the event; may throw
   * @return the outcome, a copy for each caller
   */
  CompletableFuture<Void> once(String key, long now, Supplier<? extends CompletionStage<Void>> send) {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    @Nullable CompletableFuture<Void> first = claim(key, now, mine);
    if (first != null) {
      return first.copy();
    }
    try {
      send.get().whenComplete((ok, failure) -> {
        if (failure != null) {
          forget(key, mine);
          mine.completeExceptionally(failure);
        } else {
          mine.complete(null);
        }
      });
    } catch (RuntimeException e) {
      forget(key, mine);
      throw e;
    }
    return mine.copy();
  }

  private synchronized @Nullable CompletableFuture<Void> claim(String key, long now, CompletableFuture<Void> mine) {
    for (Iterator<Seen> oldest = seen.values().iterator(); oldest.hasNext(); ) {
      if (now - oldest.next().at() < windowNanos) {
        break;
      }
      oldest.remove();
    }
    Seen earlier = seen.get(key);
    if (earlier != null) {
      return earlier.outcome();
    }
    seen.put(key, new Seen(mine, now));
    if (seen.size() > maxKeys) {
      Iterator<Seen> oldest = seen.values().iterator();
      oldest.next();
      oldest.remove();
    }
    return null;
  }

  private synchronized void forget(String key, CompletableFuture<Void> mine) {
    Seen current = seen.get(key);
    if (current != null && current.outcome() == mine) {
      seen.remove(key);
    }
  }

  /** Returns how many keys are remembered now. */
  synchronized int size() {
    return seen.size();
  }
}
