package dev.herald.sse.redis;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.BackplaneUnavailableException;
import dev.herald.sse.BroadcasterStats;
import dev.herald.sse.Data;
import dev.herald.sse.testkit.HttpSseClient;
import dev.herald.sse.testkit.LogCapture;
import dev.herald.sse.testkit.Probes;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Three Herald nodes (Netty, in this JVM, each on its own port) sharing one real {@code redis-server}, read by
 * real HTTP clients: the cluster behaves like one server, and survives Redis going away.
 */
class RedisClusterIT extends ClusterTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private Node node(String name) throws Exception {
    return node(name, 1000);
  }

  private Node node(String name, int history) throws Exception {
    return node(name, history, 0);
  }

  private Node node(String name, int history, int maxLength) throws Exception {
    return node(name, maxLength, config -> config.history(history));
  }

  /**
   * Broadcasts {@code <prefix>1}..{@code <prefix><count>} from a node, each acknowledged by Redis before the next
   * (not paced by the nodes: a node held up would hold the producer back).
   */
  private static List<String> broadcast(Node node, String prefix, int count) {
    List<String> sent = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      node.publishAcknowledged(prefix + i);
      sent.add(prefix + i);
    }
    return sent;
  }

  /**
   * Holds up the lagging node's reader: it reads an entry "held" that {@code from} broadcasts and then waits in
   * its gate until {@link Node#resume()}.
   *
   * @return the held entry's id
   */
  private static String holdUp(Node lagging, Node from) {
    lagging.pause();
    from.publishAcknowledged("held");
    Probes.await(DEADLINE, () -> lagging.heldAt() != null, () -> "the lagging node did not read");
    return requireNonNull(lagging.heldAt());
  }

  /** Whether the stream still holds the entry with this id, asked of Redis directly. */
  private boolean streamHolds(String id) {
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      return !connection.sync().xrange("herald:events", Range.create(id, id)).isEmpty();
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** Waits until a client has received the event with this data. */
  private static List<MessageEvent> receivedThrough(HttpSseClient client, String data) {
    Probes.await(Duration.ofSeconds(30), () -> data(client.events()).contains(data),
        () -> "did not receive " + data + "; got " + client.events().size() + " events");
    return client.events();
  }

  private HttpSseClient client(Node node, String lastEventId) throws Exception {
    HttpSseClient client = HttpSseClient.connect(http, node.events(), lastEventId);
    resources.add(client);
    client.awaitEvents(1); // the greeting: subscribed
    return client;
  }

  /** The events after the greeting. */
  private static List<MessageEvent> received(HttpSseClient client, int count) {
    List<MessageEvent> events = client.awaitEvents(count + 1);
    return events.subList(1, events.size());
  }

  private static List<String> data(List<MessageEvent> events) {
    return events.stream().map(MessageEvent::data).toList();
  }

  @Test
  void broadcastOnAnyNodeReachesTheClientsOfEveryNodeInOneOrder() throws Exception {
    startRedis(false);
    List<Node> nodes = List.of(node("a"), node("b"), node("c"));
    List<HttpSseClient> clients = new ArrayList<>();
    for (Node node : nodes) {
      clients.add(client(node, null));
      clients.add(client(node, null));
    }

    // Three producers, one per node, at once: the stream decides one order, and everyone sees that order.
    int perNode = 50;
    ExecutorService threads = Executors.newFixedThreadPool(nodes.size());
    try {
      List<CompletableFuture<Void>> producers = new ArrayList<>();
      for (Node node : nodes) {
        producers.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < perNode; i++) {
            node.broadcaster.broadcastPaced(Data.of(node.name + i)).toCompletableFuture().join();
          }
        }, threads));
      }
      CompletableFuture.allOf(producers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    } finally {
      threads.shutdown();
    }

    List<MessageEvent> first = received(clients.get(0), 3 * perNode);
    for (HttpSseClient client : clients) {
      assertThat(received(client, 3 * perNode)).isEqualTo(first);
    }
    assertThat(data(first)).hasSize(3 * perNode).doesNotHaveDuplicates();
    for (Node node : nodes) { // each producer's own order is kept
      List<String> own = data(first).stream().filter(d -> d.startsWith(node.name)).toList();
      assertThat(own).containsExactlyElementsOf(
          java.util.stream.IntStream.range(0, perNode).mapToObj(i -> node.name + i).toList());
    }
    List<String> ids = first.stream().map(MessageEvent::lastEventId).toList();
    assertThat(ids).isSortedAccordingTo(StreamIds.ORDER).doesNotHaveDuplicates();
    assertThat(clients.get(0).events().get(0).data()).isEqualTo("connected to a");
    assertThat(nodes.get(1).broadcaster.stats().eventsBroadcast()).isEqualTo(3 * perNode);
    assertThat(nodes).allMatch(node -> node.broadcaster.stats().backplaneGaps() == 0);
  }

  @Test
  void nodeThatFallsFurtherBehindThanTheStreamKeepsTellsItsClientsThenGoesOnInOrder() throws Exception {
    startRedis(false);
    Node a = node("a", 100, 100);
    Node lagging = node("lagging", 100, 100);
    HttpSseClient onA = client(a, null);
    HttpSseClient onLagging = client(lagging, null);

    String held = holdUp(lagging, a);
    // 600 entries on a stream trimmed to about 100: the ones after "held" are gone before the lagging node reads.
    // Node a is waited for every 50, so that it keeps up whatever the machine's load: a node 100 entries behind
    // would miss some too, and this test is about the one held up.
    List<String> burst = new ArrayList<>();
    for (int i = 1; i <= 600; i++) {
      a.publishAcknowledged("burst" + i);
      burst.add("burst" + i);
      if (i % 50 == 0) {
        receivedThrough(onA, "burst" + i);
      }
    }
    assertThat(streamHolds(held)).as("the trim passed the entry the lagging node holds").isFalse();

    try (LogCapture logs = LogCapture.install()) {
      lagging.resume();
      a.broadcaster.broadcastPaced(Data.of("after")).toCompletableFuture().join();
      List<MessageEvent> got = receivedThrough(onLagging, "after");

      assertThat(data(got.subList(1, 3))).containsExactly("held", "");
      assertThat(got.get(2).type()).as("told it missed events").isEqualTo("reset");
      List<String> rest = data(got.subList(3, got.size()));
      List<String> all = new ArrayList<>(burst);
      all.add("after");
      assertThat(rest).as("the rest: what the stream still had, in order").isNotEmpty()
          .isEqualTo(all.subList(all.size() - rest.size(), all.size()));
      assertThat(rest.get(0)).as("a gap: the first after it is not the first of the burst").isNotEqualTo("burst1");
      String firstAfterGap = got.get(3).lastEventId();
      assertThat(lagging.broadcaster.stats().backplaneGaps()).isEqualTo(1);
      assertThat(lagging.broadcaster.stats().replayMisses()).isZero();
      List<String> warnings = logs.warnings();
      assertThat(warnings).as("one warning, with the stream and the ids on each side of the gap").hasSize(1);
      assertThat(warnings.get(0)).contains("RedisBackplane", "herald:events", held, firstAfterGap);
    }
    List<String> everything = new ArrayList<>(List.of("held"));
    everything.addAll(burst);
    everything.add("after");
    assertThat(data(receivedThrough(onA, "after").subList(1, everything.size() + 1)))
        .as("a node that kept up lost nothing").isEqualTo(everything);
    assertThat(a.broadcaster.stats().backplaneGaps()).isZero();
  }

  @Test
  void nodeThatFallsBehindByLessThanTheStreamKeepsLosesNothingAndReportsNoGap() throws Exception {
    startRedis(false);
    Node a = node("a");
    Node lagging = node("lagging");
    HttpSseClient onLagging = client(lagging, null);

    try (LogCapture logs = LogCapture.install()) {
      holdUp(lagging, a);
      // More than two full reads (1,024 each) behind, within the 10,000 entries the stream keeps by default.
      List<String> burst = broadcast(a, "burst", 2500);
      lagging.resume();

      List<MessageEvent> got = receivedThrough(onLagging, "burst2500");
      List<String> everything = new ArrayList<>(List.of("held"));
      everything.addAll(burst);
      assertThat(data(got.subList(1, got.size()))).isEqualTo(everything);
      assertThat(lagging.broadcaster.stats().backplaneGaps()).isZero();
      assertThat(logs.warnings()).isEmpty();
    }
  }

  @Test
  void clientThatMovesToAnotherNodeResumesFromItsLastEventIdWithoutGapOrDuplicate() throws Exception {
    startRedis(false);
    Node a = node("a");
    Node b = node("b");
    HttpSseClient onA = client(a, null);
    for (int i = 1; i <= 5; i++) {
      a.broadcaster.broadcastPaced(Data.of("e" + i)).toCompletableFuture().get();
    }
    List<MessageEvent> seen = received(onA, 5);
    onA.close();
    String lastSeen = seen.get(4).lastEventId();
    Probes.await(DEADLINE, () -> b.broadcaster.stats().eventsBroadcast() == 5, () -> "b did not deliver e1..e5");
    for (int i = 6; i <= 8; i++) { // missed while reconnecting
      b.broadcaster.broadcastPaced(Data.of("e" + i)).toCompletableFuture().get();
    }
    // c starts now: its own history holds none of e1..e8, so its replay of e6..e8 comes from the stream (XRANGE).
    Node c = node("c");

    HttpSseClient onB = client(b, lastSeen);
    HttpSseClient onC = client(c, lastSeen);
    a.broadcaster.broadcastPaced(Data.of("e9")).toCompletableFuture().get();

    for (HttpSseClient moved : List.of(onB, onC)) {
      List<MessageEvent> resumed = received(moved, 4);
      assertThat(data(resumed)).containsExactly("e6", "e7", "e8", "e9");
      assertThat(resumed.get(0).lastEventId()).isNotEqualTo(lastSeen);
    }
    assertThat(received(onB, 4)).isEqualTo(received(onC, 4));
    assertThat(b.broadcaster.stats().replayHits()).isEqualTo(1);
    assertThat(c.broadcaster.stats().replayHits()).isEqualTo(1);

    // From an id older than c's history, the whole rest comes from the stream; an id the stream never had is a
    // miss: that client is told so (the default event: reset), then gets live events.
    HttpSseClient fromStart = client(c, seen.get(0).lastEventId());
    assertThat(data(received(fromStart, 8))).containsExactly("e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9");
    HttpSseClient unknown = client(c, "1-0");
    a.broadcaster.broadcastPaced(Data.of("e10")).toCompletableFuture().get();
    List<MessageEvent> afterMiss = received(unknown, 2);
    assertThat(afterMiss.get(0).type()).as("told it missed events").isEqualTo("reset");
    assertThat(afterMiss.get(1).data()).isEqualTo("e10");
    assertThat(c.broadcaster.stats().replayMisses()).isEqualTo(1);
  }

  @Test
  void clientThatResumesWhileRedisIsDownGetsItsReplayOnceRedisIsBack() throws Exception {
    startRedis(true);
    Node a = node("a");
    HttpSseClient onA = client(a, null);
    broadcast(a, "e", 3);
    String firstId = received(onA, 3).get(0).lastEventId();
    Node b = node("b"); // started after e1..e3: its replay of them must come from the stream

    redis.kill();
    Probes.await(DEADLINE, () -> b.broadcaster.stats().backplaneDown(), () -> "b did not notice Redis going away");
    HttpSseClient resumed = client(b, firstId); // the greeting arrives; the replay cannot be read yet
    redis.restart();
    Probes.await(DEADLINE, () -> !a.broadcaster.stats().backplaneDown() && !b.broadcaster.stats().backplaneDown(),
        () -> "the nodes did not reconnect");
    a.broadcaster.broadcastPaced(Data.of("e4")).toCompletableFuture().get();

    List<MessageEvent> got = receivedThrough(resumed, "e4");
    assertThat(data(got.subList(1, got.size()))).containsExactly("e2", "e3", "e4");
    assertThat(got).noneMatch(event -> event.type().equals("reset"));
    assertThat(b.broadcaster.stats().replayHits()).isEqualTo(1);
    assertThat(b.broadcaster.stats().replayMisses()).isZero();
  }

  @Test
  void redisKilledAndRestartedMidStreamLosesNothingThatWasAcknowledged() throws Exception {
    startRedis(true);
    List<Node> nodes = List.of(node("a"), node("b"), node("c"));
    List<HttpSseClient> clients = new ArrayList<>();
    for (Node node : nodes) {
      clients.add(client(node, null));
    }
    Node producerNode = nodes.get(0);
    List<String> acknowledged = new CopyOnWriteArrayList<>();
    AtomicInteger refused = new AtomicInteger();
    AtomicBoolean producing = new AtomicBoolean(true);
    Thread producer = new Thread(() -> {
      for (int i = 0; producing.get(); i++) {
        String message = "m" + i;
        try {
          producerNode.broadcaster.broadcastPaced(Data.of(message)).toCompletableFuture().get();
          acknowledged.add(message);
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(BackplaneUnavailableException.class);
          refused.incrementAndGet();
          Thread.onSpinWait();
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "producer");
    producer.start();
    try {
      Probes.await(DEADLINE, () -> acknowledged.size() >= 50, () -> "the producer did not get going");

      redis.kill();
      Probes.await(DEADLINE, () -> nodes.stream().allMatch(n -> n.broadcaster.stats().backplaneDown()),
          () -> "the nodes did not notice Redis going away");
      assertThatThrownBy(() -> producerNode.broadcaster.broadcast(Data.of("while down")))
          .isInstanceOf(BackplaneUnavailableException.class)
          .hasMessageContaining("unreachable");
      int failedWhileDown = refused.get();
      Probes.await(DEADLINE, () -> refused.get() > failedWhileDown, () -> "paced broadcasts did not fail while down");
      for (Node node : nodes) {
        BroadcasterStats stats = node.broadcaster.stats();
        assertThat(stats.backplaneOutages()).as(node.name).isEqualTo(1);
        assertThat(stats.clients()).as("%s keeps its clients", node.name).isEqualTo(1);
      }
      assertThat(clients).noneMatch(HttpSseClient::ended);

      redis.restart();
      Probes.await(DEADLINE, () -> nodes.stream().noneMatch(n -> n.broadcaster.stats().backplaneDown()),
          () -> "the nodes did not reconnect by themselves");
      int before = acknowledged.size();
      Probes.await(DEADLINE, () -> acknowledged.size() >= before + 50, () -> "the producer did not resume");
    } finally {
      producing.set(false);
      producer.join(10_000);
    }

    // Every acknowledged event reached every client on every node, once, in one order (a refused one may have
    // been appended all the same, when Redis died after writing it and before answering).
    List<String> expected = List.copyOf(acknowledged);
    String last = expected.get(expected.size() - 1);
    List<String> reference = null;
    for (HttpSseClient client : clients) {
      Probes.await(DEADLINE, () -> data(client.events()).contains(last),
          () -> "the last acknowledged event did not arrive");
      List<String> got = data(client.events().subList(1, client.events().size()));
      assertThat(got).doesNotHaveDuplicates().containsAll(expected);
      assertThat(got.stream().filter(expected::contains).toList()).containsExactlyElementsOf(expected);
      if (reference == null) {
        reference = got;
      }
      assertThat(got).isEqualTo(reference);
    }
    assertThat(clients).noneMatch(HttpSseClient::ended);
    // The refused ones failed as they were handed; those in flight when Redis died were sent again and landed.
    assertThat(producerNode.broadcaster.stats().publishFailures()).isGreaterThanOrEqualTo(refused.get());
    assertThat(nodes).as("no client was cut as slow")
        .allMatch(node -> node.broadcaster.stats().slowClientsDisconnected() == 0);
    assertThat(nodes).as("the stream kept every entry: no gap")
        .allMatch(node -> node.broadcaster.stats().backplaneGaps() == 0);
  }

  @Test
  void redisThatLostItsDataInARestartIsAGapThatEveryNodeTellsItsClientsOf() throws Exception {
    startRedis(false); // no persistence: a restart starts from an empty stream
    List<Node> nodes = List.of(node("a"), node("b"));
    List<HttpSseClient> clients = new ArrayList<>();
    for (Node node : nodes) {
      clients.add(client(node, null));
    }
    nodes.get(0).broadcaster.broadcastPaced(Data.of("before")).toCompletableFuture().join();
    for (HttpSseClient client : clients) {
      receivedThrough(client, "before");
    }

    redis.kill();
    Probes.await(DEADLINE, () -> nodes.stream().allMatch(n -> n.broadcaster.stats().backplaneDown()),
        () -> "the nodes did not notice Redis going away");
    redis.restart();
    Probes.await(DEADLINE, () -> nodes.stream().noneMatch(n -> n.broadcaster.stats().backplaneDown()),
        () -> "the nodes did not reconnect");
    nodes.get(1).broadcaster.broadcastPaced(Data.of("after")).toCompletableFuture().join();

    for (HttpSseClient client : clients) {
      List<MessageEvent> got = receivedThrough(client, "after");
      assertThat(got.stream().map(MessageEvent::type).toList()).containsExactly("message", "message", "reset",
          "message");
      assertThat(data(got)).endsWith("before", "", "after");
    }
    assertThat(nodes).allMatch(node -> node.broadcaster.stats().backplaneGaps() == 1);
  }
}
