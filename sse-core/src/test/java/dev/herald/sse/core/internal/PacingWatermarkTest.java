package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.Channels;
import dev.herald.sse.core.OverflowPolicy;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pacing watermark, from memory: a paced producer waits once a client holds the watermark, a plain broadcast
 * still has the whole queue, and a stalled client holds a paced producer for one slow-client grace, not one per
 * event. The transports here are channels polled by hand, so each step is exact.
 */
class PacingWatermarkTest {
  /** Eight events of queue, paced at two. */
  private static final ChannelConfig QUEUE_8_PACED_AT_2 =
      ChannelConfig.builder().maxQueuedEvents(8).pacingWatermark(2).build();

  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void closeResources() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  private Broadcaster broadcaster(ChannelConfig channel, Duration grace) {
    Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
        .channel(channel)
        .slowClientGrace(grace)
        .heartbeat(Duration.ZERO)
        .build());
    resources.add(broadcaster);
    return broadcaster;
  }

  /** A client whose transport takes frames only when the test polls them. */
  private static SseChannel polledByHand(Broadcaster broadcaster) {
    SseChannel channel = broadcaster.subscribe(null);
    channel.start(() -> {});
    return channel;
  }

  private static CompletableFuture<Void> paced(Broadcaster broadcaster, String data) {
    return broadcaster.broadcastPaced(Data.of(data)).toCompletableFuture();
  }

  /** Paces "1" and "2", which go through, and "3", which waits: the client holds the watermark of 2. */
  private static CompletableFuture<Void> pacedPastTheWatermark(Broadcaster broadcaster) {
    assertThat(paced(broadcaster, "1")).isDone();
    assertThat(paced(broadcaster, "2")).isDone();
    CompletableFuture<Void> third = paced(broadcaster, "3");
    assertThat(third).as("the client holds the watermark: the producer waits").isNotDone();
    return third;
  }

  private static String poll(SseChannel channel) {
    Frame frame = channel.poll();
    assertThat(frame).isNotNull();
    byte[] bytes = new byte[frame.length()];
    frame.buffer().get(bytes);
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertThat(text).startsWith("data: ").endsWith("\n\n");
    return text.substring("data: ".length(), text.length() - 2);
  }

  @Test
  void aPacedBroadcastWaitsAtTheWatermarkWhileAPlainOneHasTheWholeQueue() {
    Broadcaster broadcaster = broadcaster(QUEUE_8_PACED_AT_2, Duration.ofMinutes(1));
    SseChannel client = polledByHand(broadcaster);

    CompletableFuture<Void> third = pacedPastTheWatermark(broadcaster);
    for (int i = 4; i <= 8; i++) {
      assertThat(broadcaster.broadcast(Data.of(Integer.toString(i)))).as("a plain broadcast is queued").isEqualTo(1);
    }
    assertThat(broadcaster.stats().framesPending()).isEqualTo(8);
    assertThat(client.isClosed()).isFalse();

    List<String> read = new ArrayList<>();
    while (broadcaster.stats().framesPending() > 2) {
      assertThat(third).isNotDone();
      read.add(poll(client));
    }
    assertThat(third).as("two queued: at the watermark, the third paced event is through").isDone();
    read.add(poll(client));
    read.add(poll(client));
    assertThat(read).containsExactly("1", "2", "3", "4", "5", "6", "7", "8");
    assertThat(broadcaster.stats().slowClientsDisconnected()).isZero();
  }

  @Test
  void aTransportThatTakesBatchesReleasesThePacedProducerOnceTheBatchLeavesTheWatermark() {
    Broadcaster broadcaster = broadcaster(QUEUE_8_PACED_AT_2, Duration.ofMinutes(1));
    SseChannel client = polledByHand(broadcaster);
    CompletableFuture<Void> third = pacedPastTheWatermark(broadcaster);
    CompletableFuture<Void> fourth = paced(broadcaster, "4");
    assertThat(broadcaster.stats().framesPending()).isEqualTo(4);

    Frame[] batch = new Frame[8];
    assertThat(client.poll(batch, 1)).as("one frame: the budget is reached").isEqualTo(1);
    assertThat(third).as("three queued: above the watermark still").isNotDone();
    assertThat(client.poll(batch, Long.MAX_VALUE)).as("the rest in one batch").isEqualTo(3);

    assertThat(third).as("the batch took the queue below the watermark").isDone();
    assertThat(fourth).isDone();
    assertThat(broadcaster.stats().framesPending()).isZero();
    assertThat(client.poll(batch, Long.MAX_VALUE)).isZero();
  }

  @Test
  void aFullQueueStillMeetsTheOverflowPolicyOfAPlainBroadcast() {
    Broadcaster broadcaster = broadcaster(QUEUE_8_PACED_AT_2, Duration.ofMinutes(1));
    SseChannel client = polledByHand(broadcaster);
    for (int i = 1; i <= 8; i++) {
      broadcaster.broadcast(Data.of(Integer.toString(i)));
    }

    assertThat(broadcaster.broadcast(Data.of("9"))).isZero();

    assertThat(client.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
  }

  @Test
  void aStalledClientHoldsThePacedProducerForOneGraceThenFillsItsQueueAndIsCut() {
    Broadcaster broadcaster = broadcaster(QUEUE_8_PACED_AT_2, Duration.ofMillis(100));
    SseChannel stalled = polledByHand(broadcaster);

    CompletableFuture<Void> third = pacedPastTheWatermark(broadcaster);
    third.orTimeout(30, TimeUnit.SECONDS).join(); // released after the grace, its event queued
    assertThat(stalled.isClosed()).as("its queue has room: no policy yet").isFalse();

    for (int i = 4; i <= 8; i++) {
      assertThat(paced(broadcaster, Integer.toString(i)))
          .as("a client that held the producer for the grace paces no one until it catches up").isDone();
    }
    assertThat(stalled.isClosed()).isFalse();
    assertThat(paced(broadcaster, "9")).as("its queue is full: the policy applies at once").isDone();
    assertThat(stalled.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
  }

  @Test
  void aClientThatCatchesUpBelowTheWatermarkPacesAgain() {
    Broadcaster broadcaster = broadcaster(QUEUE_8_PACED_AT_2, Duration.ofMillis(100));
    SseChannel client = polledByHand(broadcaster);
    pacedPastTheWatermark(broadcaster).orTimeout(30, TimeUnit.SECONDS).join(); // the grace: it lapses
    assertThat(paced(broadcaster, "4")).isDone();

    List<String> read = new ArrayList<>();
    read.add(poll(client));
    read.add(poll(client));
    read.add(poll(client)); // one left: below the watermark

    assertThat(paced(broadcaster, "5")).isDone();
    CompletableFuture<Void> sixth = paced(broadcaster, "6");
    assertThat(sixth).as("it paces the producer again").isNotDone();
    read.add(poll(client));
    assertThat(sixth).isDone();
    read.add(poll(client));
    read.add(poll(client));
    assertThat(read).containsExactly("1", "2", "3", "4", "5", "6");
    assertThat(client.isClosed()).isFalse();
  }

  @Test
  void aStalledClientUnderDropOldestHoldsThePacedProducerForOneGraceToo() {
    Broadcaster broadcaster = broadcaster(ChannelConfig.builder().maxQueuedEvents(4).pacingWatermark(4)
        .overflowPolicy(OverflowPolicy.DROP_OLDEST).build(), Duration.ofMillis(100));
    SseChannel stalled = polledByHand(broadcaster);
    for (int i = 1; i <= 4; i++) {
      assertThat(paced(broadcaster, Integer.toString(i))).isDone();
    }

    paced(broadcaster, "5").orTimeout(30, TimeUnit.SECONDS).join(); // full for the grace: the oldest goes
    assertThat(paced(broadcaster, "6")).as("no second grace").isDone();

    assertThat(List.of(poll(stalled), poll(stalled), poll(stalled), poll(stalled))).containsExactly("3", "4", "5", "6");
    assertThat(broadcaster.stats().framesDropped()).isEqualTo(2);
  }

  @Test
  void aSendWaitsAtTheWatermarkWhileTrySendHasTheWholeQueue() {
    SseChannel channel = Channels.open(QUEUE_8_PACED_AT_2, Duration.ZERO, null);
    channel.start(() -> {});

    assertThat(channel.sender().send(Data.of("1")).toCompletableFuture()).isDone();
    assertThat(channel.sender().send(Data.of("2")).toCompletableFuture()).isDone();
    CompletableFuture<Void> third = channel.sender().send(Data.of("3")).toCompletableFuture();
    assertThat(third).isNotDone();
    assertThat(channel.sender().trySend(Data.of("4"))).isTrue();

    assertThat(poll(channel)).isEqualTo("1");
    assertThat(third).isNotDone();
    assertThat(poll(channel)).isEqualTo("2");
    assertThat(third).isDone();
    assertThat(poll(channel)).isEqualTo("3");
    assertThat(poll(channel)).isEqualTo("4");
  }

  @Test
  void aSendQueuedAboveTheWatermarkCompletesWhenTheServerEndsTheStream() {
    SseChannel channel = Channels.open(QUEUE_8_PACED_AT_2, Duration.ZERO, null);
    channel.start(() -> {});
    channel.sender().send(Data.of("1"));
    channel.sender().send(Data.of("2"));
    CompletableFuture<Void> third = channel.sender().send(Data.of("3")).toCompletableFuture();

    channel.close(CloseReason.SERVER_CLOSED);

    assertThat(third).as("its event is queued, and written before the stream ends").isCompleted();
    assertThat(List.of(poll(channel), poll(channel), poll(channel))).containsExactly("1", "2", "3");
  }

  /**
   * Paced broadcasts nobody awaits (as from paced producers on several cluster nodes) fill a client's queue and as
   * many parked sends as the queue holds; the next one meets the overflow policy rather than vanishing for that
   * client while the others get it.
   */
  @Test
  void aPacedBroadcastPastAsManyParkedAsTheQueueHoldsMeetsTheOverflowPolicy() {
    Broadcaster broadcaster = broadcaster(ChannelConfig.builder().maxQueuedEvents(2).pacingWatermark(1).build(),
        Duration.ofMinutes(1));
    SseChannel client = polledByHand(broadcaster);

    List<CompletableFuture<Void>> stages = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      stages.add(paced(broadcaster, Integer.toString(i))); // two queued, two parked: as many as the queue holds
    }
    assertThat(client.closeReason()).as("four fit: the queue's two and two parked").isNull();
    paced(broadcaster, "5");

    assertThat(client.closeReason()).as("the fifth has no place: disconnected as slow")
        .isEqualTo(CloseReason.SLOW_CONSUMER);
    assertThat(stages).allSatisfy(stage -> assertThat(stage).isDone());
  }
}
