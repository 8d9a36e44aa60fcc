package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.testing.FakeTransport;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@code broadcastOnce} on one node, and the window of keys behind it. */
class BroadcastOnceTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void repeatedKeySendsTheEventOnceAndAnswersEveryCall() throws Exception {
    try (Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder().assignIds(true).build());
        FakeTransport client = FakeTransport.serve(broadcaster.subscribe(null))) {
      broadcaster.broadcastOnce("a", Data.of("first")).toCompletableFuture().get(10, TimeUnit.SECONDS);
      broadcaster.broadcastOnce("a", Data.of("first, retried")).toCompletableFuture().get(10, TimeUnit.SECONDS);
      broadcaster.broadcastOnce("b", Data.of("second")).toCompletableFuture().get(10, TimeUnit.SECONDS);

      client.awaitEvents(2);
      assertThat(client.data()).containsExactly("first", "second");
      assertThat(broadcaster.stats().eventsBroadcast()).isEqualTo(2);
    }
  }

  @Test
  void keyIsCheckedBeforeAnythingIsSent() {
    try (Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder().build())) {
      for (String bad : new String[] {"", "x".repeat(201), "line\nbreak", "nul\0"}) {
        assertThatThrownBy(() -> broadcaster.broadcastOnce(bad, Data.of("x")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idempotency key");
      }
      assertThat(broadcaster.stats().eventsBroadcast()).isZero();
    }
  }

  @Test
  void secondCallWhileTheFirstIsPendingCompletesWithIt() {
    OnceKeys keys = new OnceKeys();
    CompletableFuture<Void> sent = new CompletableFuture<>();
    AtomicInteger sends = new AtomicInteger();

    CompletableFuture<Void> first = keys.once("k", 0, () -> counted(sends, sent));
    CompletableFuture<Void> second = keys.once("k", 1, () -> counted(sends, CompletableFuture.completedFuture(null)));
    assertThat(second).isNotDone();
    sent.complete(null);

    assertThat(first).isCompleted();
    assertThat(second).isCompleted();
    assertThat(sends).hasValue(1);
  }

  @Test
  void failedSendIsForgottenSoItsRetryIsSent() {
    OnceKeys keys = new OnceKeys();
    AtomicInteger sends = new AtomicInteger();

    CompletableFuture<Void> failed = keys.once("k", 0,
        () -> counted(sends, CompletableFuture.failedFuture(new IllegalStateException("closed"))));
    assertThatThrownBy(() -> keys.once("t", 0, () -> {
      throw new IllegalStateException("closed at once");
    })).isInstanceOf(IllegalStateException.class);
    keys.once("k", 1, () -> counted(sends, CompletableFuture.completedFuture(null)));
    keys.once("k", 2, () -> counted(sends, CompletableFuture.completedFuture(null)));

    assertThat(failed).isCompletedExceptionally();
    assertThat(sends).hasValue(2);
    assertThat(keys.size()).as("only k, from the send that went out").isEqualTo(1);
  }

  @Test
  void keysAreForgottenAfterTheWindowAndBeyondTheLimitOldestFirst() {
    OnceKeys keys = new OnceKeys(3, Duration.ofSeconds(10));
    AtomicInteger sends = new AtomicInteger();
    for (String key : new String[] {"a", "b", "c", "d"}) {
      keys.once(key, 0, () -> counted(sends, CompletableFuture.completedFuture(null)));
    }
    assertThat(keys.size()).isEqualTo(3);

    keys.once("a", SECOND, () -> counted(sends, CompletableFuture.completedFuture(null)));
    assertThat(sends).as("a, the oldest, was dropped for d").hasValue(5);
    keys.once("d", 2 * SECOND, () -> counted(sends, CompletableFuture.completedFuture(null)));
    assertThat(sends).as("d is remembered").hasValue(5);

    keys.once("d", 11 * SECOND, () -> counted(sends, CompletableFuture.completedFuture(null)));
    assertThat(sends).as("d is past its window").hasValue(6);
  }

  private static CompletionStage<Void> counted(AtomicInteger sends, CompletionStage<Void> outcome) {
    sends.incrementAndGet();
    return outcome;
  }
}
