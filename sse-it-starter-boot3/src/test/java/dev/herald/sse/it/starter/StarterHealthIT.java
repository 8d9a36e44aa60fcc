package dev.herald.sse.it.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.it.boot.AppProcess;
import dev.herald.sse.redis.testing.RedisServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link StarterApp} clustered through a real {@code redis-server} ({@code herald.sse.redis.uri}), on Tomcat, on
 * Jetty and on Reactor Netty: {@code /actuator/health} is UP while Redis runs, and DOWN (503) with the reason once the test kills it.
 */
class StarterHealthIT {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tomcat", "jetty", "netty"})
  @Timeout(180)
  void healthTurnsDownWithTheReasonWhenRedisDies(String server) throws Exception {
    try (RedisServer redis = RedisServer.start(false);
        AppProcess app = AppProcess.start(server, StarterApp.class.getName(),
            "--herald.sse.redis.uri=" + redis.uri())) {
      Http http = new Http(app.awaitPort(Duration.ofSeconds(60)));
      HttpResponse<String> up = http.await("/actuator/health", response -> response.statusCode() == 200,
          Duration.ofSeconds(10));
      assertThat(Http.healthComponent(up.body(), "herald")).contains("\"status\":\"UP\"");
      assertThat(http.metric("herald.sse.backplane.up", "VALUE")).isEqualTo(1);

      redis.kill();
      HttpResponse<String> down = http.await("/actuator/health", response -> response.statusCode() == 503,
          Duration.ofSeconds(30));
      assertThat(Http.healthComponent(down.body(), "herald")).contains("\"status\":\"DOWN\"")
          .contains("\"reason\":\"the backplane is unreachable: broadcasts fail, clients stay connected and resume"
              + " when it is back\"");
      assertThat(http.metric("herald.sse.backplane.up", "VALUE")).isZero();
      assertThat(http.metric("herald.sse.backplane.outages", "COUNT")).isEqualTo(1);
      assertThat(http.post("/send/lost").statusCode()).as("a broadcast fails fast while Redis is gone")
          .isEqualTo(500);
    }
  }
}
