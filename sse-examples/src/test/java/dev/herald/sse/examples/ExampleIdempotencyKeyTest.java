package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.examples.ExampleApp.Reply;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The example's {@code POST /events} with an {@code Idempotency-Key}, on one node; {@link ExampleLoadBalancerIT}
 * tests it on a cluster behind nginx.
 */
class ExampleIdempotencyKeyTest {
  private final ExampleApp app = new ExampleApp(ExampleOptions.defaults());

  @AfterEach
  void close() {
    app.close();
  }

  private Reply post(String body, String key) throws Exception {
    return app.broadcastBody(body.getBytes(StandardCharsets.UTF_8), key).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void retryUnderTheSameKeyIsAnsweredAndSendsNothing() throws Exception {
    assertThat(post("hello", "k1").status()).isEqualTo(200);
    Reply retried = post("hello", "k1");
    assertThat(post("hello again", "k2").status()).isEqualTo(200);

    assertThat(retried.status()).isEqualTo(200);
    assertThat(new String(retried.body(), StandardCharsets.UTF_8)).isEqualTo("msg sent\n");
    assertThat(app.broadcaster().stats().eventsBroadcast()).isEqualTo(2);
  }

  @Test
  void malformedKeyIsABadRequestAndSendsNothing() throws Exception {
    Reply reply = post("hello", "x".repeat(201));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(new String(reply.body(), StandardCharsets.UTF_8)).contains("idempotency key");
    assertThat(app.broadcaster().stats().eventsBroadcast()).isZero();
  }
}
