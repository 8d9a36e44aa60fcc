package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.testing.FakeTransport;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Races between broadcasters, subscriptions with {@code Last-Event-ID}, and clients leaving, repeated to flush out
 * interleavings. A client that keeps up must see every event once, in id order, with no gap.
 */
class BroadcasterRaceTest {
  private static final int PRODUCERS = 3;
  private static final int PER_PRODUCER = 2_000;
  private static final int TOTAL = PRODUCERS * PER_PRODUCER;

  /** Queues large enough that a client which keeps up is never dropped while producers race ahead. */
  private static BroadcasterConfig.Builder roomyConfig() {
    return BroadcasterConfig.builder()
        .channel(ChannelConfig.builder().maxQueuedEvents(TOTAL + 10).maxQueuedBytes(16 << 20).build())
        .heartbeat(Duration.ZERO)
        .assignIds(true).firstId(1)
        .history(TOTAL + 10);
  }

  private static List<Thread> startProducers(Broadcaster broadcaster, CountDownLatch go) {
    List<Thread> producers = new ArrayList<>();
    for (int p = 0; p < PRODUCERS; p++) {
      int producer = p;
      Thread thread = new Thread(() -> {
        await(go);
        for (int i = 0; i < PER_PRODUCER; i++) {
          broadcaster.broadcast(Data.of(producer + ":" + i));
        }
      }, "producer-" + p);
      thread.start();
      producers.add(thread);
    }
    return producers;
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void join(List<Thread> threads) throws InterruptedException {
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(thread.isAlive()).as(thread.getName() + " finished").isFalse();
    }
  }

  /** Asserts ids run from first to last with no gap or duplicate, and each producer's events keep its order. */
  private static void assertConsecutive(List<MessageEvent> events, long first, long last, String who) {
    assertThat(events).as(who + " event count").hasSize((int) (last - first + 1));
    int[] nextOfProducer = new int[PRODUCERS];
    java.util.Arrays.fill(nextOfProducer, -1);
    for (int i = 0; i < events.size(); i++) {
      MessageEvent event = events.get(i);
      assertThat(Long.parseLong(event.lastEventId())).as(who + " id at " + i).isEqualTo(first + i);
      int producer = Integer.parseInt(event.data().substring(0, event.data().indexOf(':')));
      int sequence = Integer.parseInt(event.data().substring(event.data().indexOf(':') + 1));
      assertThat(sequence).as(who + ": producer " + producer + " in order").isGreaterThan(nextOfProducer[producer]);
      nextOfProducer[producer] = sequence;
    }
  }

  @RepeatedTest(10)
  void clientsResumingWhileSeveralThreadsBroadcastMissNothingAndSeeNothingTwice() throws Exception {
    try (Broadcaster broadcaster = Broadcasters.create(roomyConfig().build());
        FakeTransport observer = FakeTransport.serve(broadcaster.subscribe(null))) {
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> producers = startProducers(broadcaster, go);
      List<FakeTransport> resumed = new ArrayList<>();
      List<Long> resumedFrom = new ArrayList<>();
      try {
        go.countDown();
        while (resumed.size() < 30) {
          // Resume from whatever the observer saw last, as a client that dropped just now would.
          List<MessageEvent> seen = observer.events();
          if (seen.isEmpty()) {
            Thread.onSpinWait();
            continue;
          }
          String lastId = seen.get(seen.size() - 1).lastEventId();
          resumed.add(FakeTransport.serve(broadcaster.subscribe(lastId)));
          resumedFrom.add(Long.parseLong(lastId));
        }
        join(producers);

        assertConsecutive(observer.awaitEvents(TOTAL), 1, TOTAL, "observer");
        for (int i = 0; i < resumed.size(); i++) {
          long from = resumedFrom.get(i);
          FakeTransport client = resumed.get(i);
          assertConsecutive(client.awaitEvents((int) (TOTAL - from)), from + 1, TOTAL, "client resumed from " + from);
        }
        assertThat(broadcaster.stats().replayMisses()).isZero();
      } finally {
        resumed.forEach(FakeTransport::close);
      }
    }
  }

  @RepeatedTest(5)
  void clientsJoiningAndLeavingWhileSeveralThreadsBroadcastSeeAnUnbrokenRun() throws Exception {
    try (Broadcaster broadcaster = Broadcasters.create(roomyConfig().history(0).build())) {
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> producers = startProducers(broadcaster, go);
      List<FakeTransport> stayed = new ArrayList<>();
      int left = 0;
      try {
        go.countDown();
        for (int i = 0; i < 200; i++) {
          SseChannel channel = broadcaster.subscribe(null);
          FakeTransport client = FakeTransport.serve(channel);
          if (i % 10 == 0) {
            stayed.add(client);
          } else {
            channel.close(i % 3 == 0 ? CloseReason.CLIENT_GONE : CloseReason.ERROR);
            client.close();
            left++;
          }
        }
        join(producers);
        // A last event after every producer is done, so even a client that joined late has something to see.
        broadcaster.broadcast(Data.of("0:" + PER_PRODUCER));
        String lastId = Integer.toString(TOTAL + 1);

        assertThat(broadcaster.clientCount()).isEqualTo(stayed.size());
        assertThat(broadcaster.stats().clientsConnected()).isEqualTo(stayed.size() + left);
        for (FakeTransport client : stayed) {
          // A client that joined mid-stream sees an unbroken run of ids from its first event to the last.
          FakeTransport.Await.until(
              () -> {
                List<MessageEvent> events = client.events();
                return !events.isEmpty() && events.get(events.size() - 1).lastEventId().equals(lastId);
              },
              () -> "client did not reach the last event: " + client.events().size());
          List<MessageEvent> events = client.events();
          long first = Long.parseLong(events.get(0).lastEventId());
          assertConsecutive(events, first, TOTAL + 1, "client that joined at " + first);
        }
      } finally {
        stayed.forEach(FakeTransport::close);
      }
    }
  }
}
