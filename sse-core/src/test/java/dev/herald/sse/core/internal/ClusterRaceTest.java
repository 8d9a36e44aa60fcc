package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.testing.FakeBackplane;
import dev.herald.sse.core.testing.FakeTransport;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Clients resuming on a node that delivers from the shared log on its own thread while a producer publishes:
 * whatever the node has delivered when a client arrives (behind it, level with it, or ahead of it), the client
 * sees every entry after its {@code Last-Event-ID} once, in order, with no gap.
 */
class ClusterRaceTest {
  private static final int TOTAL = 3_000;
  private static final int BEFORE_NODE = 500;
  private static final int CLIENTS = 60;

  @RepeatedTest(5)
  void everyResumingClientSeesTheRestOfTheLogOnceInOrder() throws Exception {
    FakeBackplane.Log log = new FakeBackplane.Log();
    FakeBackplane producerSide = new FakeBackplane(log);
    FakeBackplane nodeSide = new FakeBackplane(log);
    BroadcasterConfig.Builder config = BroadcasterConfig.builder()
        .channel(ChannelConfig.builder().maxQueuedEvents(TOTAL + 10).maxQueuedBytes(16 << 20).build())
        .heartbeat(Duration.ZERO)
        .history(TOTAL);
    List<FakeTransport> clients = new ArrayList<>();
    List<Integer> resumedFrom = new ArrayList<>();
    ExecutorService replays = Executors.newSingleThreadExecutor();
    try (Broadcaster producer = Broadcasters.create(config.backplane(producerSide).build())) {
      for (int i = 1; i <= BEFORE_NODE; i++) { // before the node starts: only the log has these
        producer.broadcast(Data.of("e" + i));
      }
      nodeSide.answerReplaysOn(replays); // so that live entries arrive while a replay is read
      Broadcaster node = Broadcasters.create(config.backplane(nodeSide).build());
      AtomicBoolean producing = new AtomicBoolean(true);
      Thread publisher = new Thread(() -> {
        for (int i = BEFORE_NODE + 1; i <= TOTAL; i++) {
          producer.broadcast(Data.of("e" + i));
        }
        producing.set(false);
      }, "publisher");
      Thread delivery = new Thread(() -> {
        boolean more = true;
        while (more) {
          boolean last = !producing.get();
          more = nodeSide.pump() > 0 || !last;
          Thread.yield();
        }
      }, "delivery");
      publisher.start();
      delivery.start();
      for (int c = 0; c < CLIENTS; c++) {
        // Anywhere in the log so far: before the node started (replayed from the log), in what it delivered
        // (from its history), or past it (the client is ahead of the node).
        int published = log.entries().size();
        int from = ThreadLocalRandom.current().nextInt(1, published + 1);
        FakeTransport client = FakeTransport.serve(node.subscribe(Integer.toString(from)));
        clients.add(client);
        resumedFrom.add(from);
      }
      publisher.join();
      delivery.join();

      for (int c = 0; c < clients.size(); c++) {
        FakeTransport client = clients.get(c);
        int from = resumedFrom.get(c);
        List<MessageEvent> events = client.awaitEvents(TOTAL - from);
        List<String> ids = events.stream().map(MessageEvent::lastEventId).toList();
        List<String> expected = new ArrayList<>();
        for (int i = from + 1; i <= TOTAL; i++) {
          expected.add(Integer.toString(i));
        }
        assertThat(ids).as("client resumed from %d", from).isEqualTo(expected);
      }
      // After the clients have everything: a replay read from the log is counted when it arrives.
      assertThat(node.stats().replayMisses()).isZero();
      assertThat(node.stats().replayHits()).isEqualTo(CLIENTS);
      node.close();
    } finally {
      clients.forEach(FakeTransport::close);
      replays.shutdown();
    }
  }
}
