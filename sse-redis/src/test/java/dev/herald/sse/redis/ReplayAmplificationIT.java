package dev.herald.sse.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.redis.testing.RedisServer;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.testkit.Probes;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replay amplification attack of issue 21 against a real {@code redis-server}: 1,000 events of 64 KB in the
 * stream, then clients resuming at once from ids that make a node replay from the stream. A replay must cost at
 * most what it delivers, so Redis and the node stay within tens of MB, and broadcasts go on meanwhile.
 */
class ReplayAmplificationIT {
  private static final Logger log = LoggerFactory.getLogger(ReplayAmplificationIT.class);
  private static final int EVENTS = 1000;
  private static final String PAYLOAD = "x".repeat(64 * 1024);
  private static final long MIB = 1024 * 1024;
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  private static EventLoopGroup group;

  private final List<AutoCloseable> resources = new ArrayList<>();
  private RedisServer redis;
  private RedisClient admin;
  private StatefulRedisConnection<String, String> adminConnection;

  @BeforeAll
  static void startGroup() {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stopGroup() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @BeforeEach
  void start() throws Exception {
    redis = RedisServer.start(false);
    admin = RedisClient.create(redis.uri());
    adminConnection = admin.connect();
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    adminConnection.close();
    admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    redis.close();
  }

  private Node node(String name) throws Exception {
    Node node = Node.start(name, group, redis.uri(), EVENTS);
    resources.add(node);
    return node;
  }

  /** Publishes the 1,000 events of 64 KB through a node and waits until it has delivered them back. */
  private static void publishHistory(Node node) {
    for (int i = 0; i < EVENTS; i++) {
      node.broadcaster.broadcastPaced(Data.of(PAYLOAD)).toCompletableFuture().join();
    }
    Probes.await(DEADLINE, () -> node.broadcaster.stats().eventsBroadcast() == EVENTS,
        () -> "delivered " + node.broadcaster.stats().eventsBroadcast());
  }

  private long redisInfo(String field) {
    for (String line : adminConnection.sync().info("memory").split("\r?\n")) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim());
      }
    }
    throw new IllegalStateException("no " + field);
  }

  private long xrangeCalls() {
    for (String line : adminConnection.sync().info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_xrange:calls=")) {
        return Long.parseLong(line.substring("cmdstat_xrange:calls=".length(), line.indexOf(',')));
      }
    }
    return 0;
  }

  private static long liveHeap() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc(); // a hint; the figure is what is retained, which the bound is about
    return memory.getHeapMemoryUsage().getUsed();
  }

  /**
   * Samples Redis's {@code used_memory} on a connection of its own until stopped, and broadcasts through a node
   * meanwhile, counting those acknowledged.
   */
  private final class Watch {
    final AtomicLong redisMax = new AtomicLong();
    final AtomicInteger broadcasts = new AtomicInteger();
    final AtomicInteger acknowledged = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ExecutorService threads = Executors.newFixedThreadPool(2);

    Watch(Node node) {
      StatefulRedisConnection<String, String> sampling = admin.connect();
      threads.execute(() -> {
        try (sampling) {
          while (running.get()) {
            for (String line : sampling.sync().info("memory").split("\r?\n")) {
              if (line.startsWith("used_memory:")) {
                redisMax.accumulateAndGet(Long.parseLong(line.substring(12).trim()), Math::max);
              }
            }
            Thread.onSpinWait();
          }
        }
      });
      // Fewer than the pacing watermark (64 by default): the attackers read nothing, so past it each paced broadcast
      // would wait the slow-client grace for them, by design, and a producer that is not held back by Redis's answer
      // gets there within the attack.
      threads.execute(() -> {
        while (running.get() && broadcasts.get() < 60) {
          broadcasts.incrementAndGet();
          try {
            node.broadcaster.broadcastPaced(Data.of("live")).toCompletableFuture().get(2, TimeUnit.SECONDS);
            acknowledged.incrementAndGet();
          } catch (Exception e) {
            log.warn("a broadcast failed during the attack", e);
          }
        }
      });
    }

    /** Stops sampling and broadcasting, and waits for both to end. Stopping twice does nothing more. */
    void stop() throws InterruptedException {
      running.set(false);
      threads.shutdown();
      assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  /** What an attack may cost: {@code XRANGE} calls, Redis's {@code used_memory} and the node's live heap. */
  private record Bounds(long xrangeCalls, long redisBytes, long heapBytes) {}

  /**
   * Lets the producer get some broadcasts through, stops watching, logs the figures, and checks them against the
   * bounds; every broadcast made during the attack must have been acknowledged.
   */
  private void check(String scenario, Watch watch, long redisBefore, long heapGrowth, Bounds bounds)
      throws InterruptedException {
    Probes.await(DEADLINE, () -> watch.acknowledged.get() >= 20, () -> "acknowledged " + watch.acknowledged);
    watch.stop();
    long redisGrowth = watch.redisMax.get() - redisBefore;
    long calls = xrangeCalls();
    log.info("{}: Redis used_memory peak +{} KiB, node live heap +{} KiB, XRANGE calls {}, broadcasts"
        + " acknowledged {} of {}", scenario, redisGrowth / 1024, heapGrowth / 1024, calls,
        watch.acknowledged.get(), watch.broadcasts.get());
    assertThat(calls).as("XRANGE calls").isLessThanOrEqualTo(bounds.xrangeCalls());
    assertThat(redisGrowth).as("Redis used_memory during the attack").isLessThan(bounds.redisBytes());
    assertThat(heapGrowth).as("the node's live heap").isLessThan(bounds.heapBytes());
    assertThat(watch.acknowledged.get()).as("broadcasts during the attack").isEqualTo(watch.broadcasts.get());
  }

  @Test
  void aHundredResumesFromAnIdNotInTheStreamReadNoEntriesAndBroadcastsGoOn() throws Exception {
    Node node = node("a");
    publishHistory(node);
    adminConnection.sync().configResetstat();
    long redisBefore = redisInfo("used_memory");
    long heapBefore = liveHeap();

    List<SseChannel> clients = new ArrayList<>();
    ExecutorService attackers = Executors.newFixedThreadPool(16);
    Watch watch = new Watch(node);
    try {
      List<CompletableFuture<SseChannel>> resumes = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        resumes.add(CompletableFuture.supplyAsync(() -> node.broadcaster.subscribe("0-1"), attackers));
      }
      for (CompletableFuture<SseChannel> resume : resumes) {
        SseChannel channel = resume.get(30, TimeUnit.SECONDS);
        channel.start(() -> { }); // a client that reads nothing: it costs its queue, and here only the reset
        clients.add(channel);
      }
      Probes.await(DEADLINE, () -> node.broadcaster.stats().replayMisses() == 100,
          () -> "misses: " + node.broadcaster.stats().replayMisses());
      long heapGrowth = liveHeap() - heapBefore;
      check("100 resumes from 0-1", watch, redisBefore, heapGrowth,
          new Bounds(100, 16 * MIB, 16 * MIB)); // one lookup of one entry at most per resume
    } finally {
      watch.stop();
      attackers.shutdown();
      clients.forEach(channel -> channel.close(CloseReason.CLIENT_GONE));
    }
  }

  @Test
  void twentySlowClientsReplayingRealIdsHoldAFewPagesEachAndAreDisconnected() throws Exception {
    Node publisher = node("a");
    publishHistory(publisher);
    Node late = node("late"); // its history holds none of the 1,000: every replay is read from the stream
    List<String> ids = new ArrayList<>();
    for (StreamMessage<String, String> message
        : adminConnection.sync().xrange("herald:events", Range.create("-", "+"), Limit.from(20))) {
      ids.add(message.getId());
    }
    adminConnection.sync().configResetstat();
    long redisBefore = redisInfo("used_memory");
    long heapBefore = liveHeap();

    List<SseChannel> clients = new ArrayList<>();
    Watch watch = new Watch(late);
    try {
      for (String id : ids) {
        SseChannel channel = late.broadcaster.subscribe(id);
        channel.start(() -> { }); // never reads
        clients.add(channel);
      }
      // The 8 replays with a turn fill their clients' queues (about 1 MiB: 15 events of 64 KB) and the rest of
      // their pages wait parked; the others wait for a turn, which a stalled replay gives up when its client is
      // disconnected as slow (by the heartbeat, whose tick finds its queue full and not drained).
      Probes.await(DEADLINE, () -> late.broadcaster.stats().bytesPending() >= 8 * 15 * 64 * 1024L,
          () -> "pending " + late.broadcaster.stats().bytesPending());
      long heapGrowth = liveHeap() - heapBefore;
      Probes.await(DEADLINE, () -> late.broadcaster.stats().slowClientsDisconnected() == 20,
          () -> "disconnected " + late.broadcaster.stats().slowClientsDisconnected());
      check("20 stalled replays of 999 entries", watch, redisBefore, heapGrowth,
          new Bounds(40, 32 * MIB, 64 * MIB)); // a lookup and one page per client, never the whole replay
    } finally {
      watch.stop();
      clients.forEach(channel -> channel.close(CloseReason.CLIENT_GONE));
    }
  }
}
