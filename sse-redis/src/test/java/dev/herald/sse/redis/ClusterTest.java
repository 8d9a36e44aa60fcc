package dev.herald.sse.redis;

import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.redis.testing.RedisServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * What the cluster tests share: one event loop group for their {@link Node}s, an HTTP client, a real
 * {@code redis-server} per test, and everything a test opened, closed after it, newest first.
 */
abstract class ClusterTest {
  static EventLoopGroup group;

  final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  final List<AutoCloseable> resources = new ArrayList<>();
  RedisServer redis;

  @BeforeAll
  static void startGroup() {
    group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stopGroup() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  void startRedis(boolean persistent) throws Exception {
    redis = RedisServer.start(persistent);
  }

  /** Starts a node on this test's Redis, closed after the test; see {@link Node#start}. */
  Node node(String name, int maxLength, Consumer<BroadcasterConfig.Builder> configure) throws Exception {
    Node node = Node.start(name, group, redis.uri(), maxLength, configure);
    resources.add(node);
    return node;
  }
}
