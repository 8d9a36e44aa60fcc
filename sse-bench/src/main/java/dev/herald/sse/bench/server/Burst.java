package dev.herald.sse.bench.server;

import dev.herald.sse.bench.jmh.CompressionDesigns;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /bench/burst?count=N&size=S&rate=R}: N broadcasts, on a thread of their own, whose data is the sender's
 * {@code System.nanoTime()} in decimal, padded with {@code x} to S bytes, at R events per second. R = 0 sends back to
 * back through the paced variant, awaiting each event before the next, so the producer runs as fast as the clients
 * read. With {@code payload=json} the time is followed by a realistic JSON event of about 300 bytes (an order update,
 * as in {@link CompressionDesigns#order}) instead of padding, for measuring compression. One burst at a time.
 */
final class Burst {
  private static final Logger log = LoggerFactory.getLogger(Burst.class);
  static final int MAX_COUNT = 10_000_000;
  static final int MAX_SIZE = 1 << 20;

  private final Fanout fanout;
  private final AtomicBoolean running = new AtomicBoolean();

  Burst(Fanout fanout) {
    this.fanout = fanout;
  }

  /** What a burst request gets: a status and a one-line text. */
  record Answer(int status, String text) {}

  Answer start(Map<String, String> query) {
    int count;
    int size;
    int rate;
    boolean json = "json".equals(query.get("payload"));
    try {
      count = intParam(query, "count", 1, MAX_COUNT);
      size = intParam(query, "size", 20, MAX_SIZE);
      rate = intParam(query, "rate", 0, 10_000_000);
    } catch (IllegalArgumentException e) {
      return new Answer(400, e.getMessage());
    }
    if (!running.compareAndSet(false, true)) {
      return new Answer(409, "a burst is running");
    }
    Thread thread = new Thread(() -> run(count, size, rate, json), "burst");
    thread.setDaemon(true);
    thread.start();
    return new Answer(200, "burst of " + count + " events of " + (json ? "JSON" : size + " bytes") + " at " + (rate == 0 ? "full speed"
        : rate + "/s") + " to " + fanout.clients() + " clients");
  }

  private void run(int count, int size, int rate, boolean json) {
    long start = System.nanoTime();
    SplittableRandom random = json ? new SplittableRandom(2026) : null;
    try {
      for (int i = 0; i < count; i++) {
        if (rate > 0) {
          long due = start + (long) ((double) i * TimeUnit.SECONDS.toNanos(1) / rate);
          long wait;
          while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
          }
          fanout.send(payload(System.nanoTime(), size, random));
        } else {
          fanout.sendPaced(payload(System.nanoTime(), size, random));
        }
      }
      log.info("burst of {} events done in {} ms", count, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("burst failed", e);
    } finally {
      running.set(false);
    }
  }

  /** The sender's time, then {@code x} up to {@code size} bytes, or, with {@code json}, a realistic JSON event. */
  static String payload(long nanos, int size, SplittableRandom json) {
    String time = Long.toString(nanos);
    if (json != null) {
      return time + " " + CompressionDesigns.order(json);
    }
    if (time.length() >= size) {
      return time;
    }
    return time + "x".repeat(size - time.length());
  }

  private static int intParam(Map<String, String> query, String name, int min, int max) {
    String value = query.get(name);
    if (value == null) {
      throw new IllegalArgumentException(name + " is missing");
    }
    int n;
    try {
      n = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is not a number: " + value);
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(name + " must be from " + min + " to " + max + ": " + n);
    }
    return n;
  }
}
