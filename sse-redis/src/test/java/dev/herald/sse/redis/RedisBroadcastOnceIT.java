package dev.herald.sse.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.redis.testing.RedisServer;
import dev.herald.sse.testkit.Probes;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code broadcastOnce} on nodes sharing one real {@code redis-server}: a key appends one entry to the stream
 * however many nodes are given it, at once or after a Redis restart, and a key is forgotten after its window.
 */
class RedisBroadcastOnceIT {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final String STREAM = "herald:events";

  private final List<AutoCloseable> resources = new ArrayList<>();
  private RedisServer redis;
  private RedisCommands<String, String> inspect;

  @AfterEach
  void stop() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private void startRedis(boolean persistent) throws Exception {
    redis = RedisServer.start(persistent);
    RedisClient client = RedisClient.create(redis.uri());
    resources.add(() -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
    StatefulRedisConnection<String, String> connection = client.connect();
    resources.add(connection);
    inspect = connection.sync();
  }

  private RedisBackplane backplane(Duration window) {
    return RedisBackplane.builder(redis.uri())
        .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(200))
        .idempotencyWindow(window)
        .build();
  }

  private Broadcaster node(Duration window) {
    Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder().backplane(backplane(window)).build());
    resources.add(broadcaster);
    return broadcaster;
  }

  @Test
  void sameKeyOnEveryNodeAtOnceAppendsOneEntryAndEveryNodeDeliversItOnce() throws Exception {
    startRedis(false);
    List<Broadcaster> nodes = List.of(node(Duration.ofMinutes(5)), node(Duration.ofMinutes(5)),
        node(Duration.ofMinutes(5)));
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    for (int round = 0; round < 10; round++) {
      for (Broadcaster node : nodes) {
        calls.add(node.broadcastOnce("order-1", Data.of("shipped")).toCompletableFuture());
      }
    }
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    nodes.get(1).broadcastOnce("order-2", Data.of("delivered")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    // A paced stage completes once its append is handed to Redis; each node's appends land in order, so once each
    // node's last one is delivered, all of them are in.
    for (int i = 0; i < nodes.size(); i++) {
      nodes.get(i).broadcastOnce("last-" + i, Data.of("last")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    for (Broadcaster node : nodes) {
      Probes.await(DEADLINE, () -> node.stats().eventsBroadcast() == 5, () -> "a node did not deliver all");
    }

    assertThat(inspect.xrange(STREAM, Range.unbounded())).as("one entry per key")
        .extracting(message -> message.getBody().get("data"))
        .containsExactly("shipped", "delivered", "last", "last", "last");
    assertThat(inspect.ttl(OncePublish.key(STREAM, "order-1"))).isBetween(1L, 300L);
  }

  @Test
  void retryOnAnotherNodeAnswersTheFirstEntrysId() throws Exception {
    startRedis(false);
    RedisBackplane a = backplane(Duration.ofMinutes(5));
    RedisBackplane b = backplane(Duration.ofMinutes(5));
    resources.add(a);
    resources.add(b);
    a.start(100, entry -> { });
    b.start(100, entry -> { });

    String first = a.publish(Data.of("x"), "k").toCompletableFuture().get(10, TimeUnit.SECONDS);
    String plain = a.publish(Data.of("y")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    String retried = b.publish(Data.of("x"), "k").toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(retried).isEqualTo(first).isNotEqualTo(plain);
    assertThat(inspect.xrange(STREAM, Range.unbounded()))
        .extracting(message -> message.getBody().get("data")).containsExactly("x", "y");
  }

  @Test
  void keyIsForgottenAfterItsWindow() throws Exception {
    startRedis(false);
    Broadcaster node = node(Duration.ofSeconds(1));
    node.broadcastOnce("k", Data.of("first")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    node.broadcastOnce("k", Data.of("first")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    // A paced stage completes once its append is handed to Redis: the appends land in order, soon after.
    Probes.await(DEADLINE, () -> inspect.exists(OncePublish.key(STREAM, "k")) == 1, () -> "nothing appended");

    Probes.await(DEADLINE, () -> inspect.exists(OncePublish.key(STREAM, "k")) == 0,
        () -> "Redis did not expire the key");
    node.broadcastOnce("k", Data.of("again")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    Probes.await(DEADLINE, () -> inspect.xlen(STREAM) == 2, () -> "the key was not forgotten");
    assertThat(inspect.xrange(STREAM, Range.unbounded()))
        .as("the repeat within the window appended nothing").extracting(message -> message.getBody().get("data"))
        .containsExactly("first", "again");
  }

  @Test
  void keySurvivesARedisRestartWithItsEntry() throws Exception {
    startRedis(true);
    Broadcaster node = node(Duration.ofMinutes(5));
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      node.broadcastOnce("k" + i, Data.of("m" + i)).toCompletableFuture().get(10, TimeUnit.SECONDS);
      keys.add("k" + i);
    }

    redis.kill();
    redis.restart();
    Probes.await(DEADLINE, () -> node.stats().backplaneOutages() == 1 && !node.stats().backplaneDown(),
        () -> "the node did not notice the restart and reconnect");
    for (String key : keys) {
      node.broadcastOnce(key, Data.of("repeat of " + key)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    node.broadcastOnce("new", Data.of("new")).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(inspect.xlen(STREAM)).as("the repeats appended nothing").isEqualTo(21);
  }
}
