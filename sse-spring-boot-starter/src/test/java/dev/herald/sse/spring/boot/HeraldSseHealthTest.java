package dev.herald.sse.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.redis.testing.RedisServer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The health indicator on a broadcaster clustered through a real {@code redis-server} that the test kills: UP with
 * the clients while Redis is there, DOWN with the reason once it is gone, UP again when it is back; with Boot 3's
 * health API and with Boot 4's (each alone on the class path, as in an application of that line).
 */
class HeraldSseHealthTest {
  private RedisServer redis;

  @BeforeEach
  void startRedis() throws Exception {
    redis = RedisServer.start(false);
  }

  @AfterEach
  void stopRedis() throws Exception {
    redis.close();
  }

  private ApplicationContextRunner runner(String hiddenHealthApi) {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(HeraldSseAutoConfiguration.class,
            HeraldSseHealthAutoConfiguration.class))
        .withClassLoader(new FilteredClassLoader(hiddenHealthApi))
        .withPropertyValues("herald.sse.heartbeat=0", "herald.sse.name=node-1",
            "herald.sse.redis.uri=" + redis.uri());
  }

  @Test
  void boot3sIndicatorTurnsDownWithTheReasonWhileRedisIsGone() {
    runner("org.springframework.boot.health").run(context -> {
      org.springframework.boot.actuate.health.HealthIndicator indicator =
          context.getBean("heraldHealthIndicator", org.springframework.boot.actuate.health.HealthIndicator.class);
      checkDownWhileRedisIsGone(() -> {
        org.springframework.boot.actuate.health.Health health = indicator.health();
        return new BroadcasterHealth(health.getStatus().getCode(), health.getDetails());
      }, context.getBean(Broadcaster.class));
    });
  }

  @Test
  void boot4sIndicatorTurnsDownWithTheReasonWhileRedisIsGone() {
    runner("org.springframework.boot.actuate").run(context -> {
      org.springframework.boot.health.contributor.HealthIndicator indicator =
          context.getBean("heraldHealthIndicator", org.springframework.boot.health.contributor.HealthIndicator.class);
      checkDownWhileRedisIsGone(() -> {
        org.springframework.boot.health.contributor.Health health = indicator.health();
        return new BroadcasterHealth(health.getStatus().getCode(), health.getDetails());
      }, context.getBean(Broadcaster.class));
    });
  }

  private void checkDownWhileRedisIsGone(Supplier<BroadcasterHealth> health, Broadcaster broadcaster)
      throws Exception {
    awaitStatus(health, "UP");
    assertThat(health.get().details()).containsExactlyInAnyOrderEntriesOf(Map.of("broadcaster", "node-1",
        "clients", 0));

    redis.kill();
    BroadcasterHealth down = awaitStatus(health, "DOWN");
    assertThat(down.details()).containsEntry("broadcaster", "node-1")
        .containsEntry("reason", "the backplane is unreachable: broadcasts fail, clients stay connected and resume"
            + " when it is back")
        .containsKey("backplaneOutages");

    redis.restart();
    awaitStatus(health, "UP");

    broadcaster.close();
    assertThat(health.get().status()).isEqualTo("OUT_OF_SERVICE");
  }

  private static BroadcasterHealth awaitStatus(Supplier<BroadcasterHealth> health, String status) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    BroadcasterHealth last = health.get();
    while (!last.status().equals(status)) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not " + status + " within 30 s: " + last);
      }
      Thread.onSpinWait();
      last = health.get();
    }
    return last;
  }
}
