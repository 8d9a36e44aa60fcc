package dev.herald.sse.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Data;
import dev.herald.sse.testkit.HttpSseClient;
import dev.herald.sse.testkit.Probes;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Topics and identities on a cluster: Herald nodes (Netty, in this JVM) on one real {@code redis-server}, read by
 * real HTTP clients. A publish or a send on any node reaches exactly its subscribers on every node; a replay read
 * from the stream is filtered by the client's topics; a client resumes on another node with no gap and no
 * duplicate; and each node's history keeps a quiet topic's events however busy another topic is.
 */
class RedisClusterTopicsIT extends ClusterTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  /** Starts Redis and three nodes on it, a, b and c. */
  private List<Node> threeNodes() throws Exception {
    startRedis(false);
    return List.of(node("a"), node("b"), node("c"));
  }

  private Node node(String name) throws Exception {
    return node(name, 0, config -> config.history(1000));
  }

  /** Opens a stream on a node and waits for its greeting. */
  private HttpSseClient client(Node node, String query, @Nullable String lastEventId) throws Exception {
    URI uri = query.isEmpty() ? node.events() : node.events(query);
    HttpSseClient client = HttpSseClient.connect(http, uri, lastEventId);
    resources.add(client);
    client.awaitEvents(1);
    return client;
  }

  /** Waits until every node has delivered this many entries of the stream. */
  private static void awaitDelivered(List<Node> nodes, long entries) {
    for (Node node : nodes) {
      Probes.await(DEADLINE, () -> node.broadcaster.stats().eventsBroadcast() >= entries,
          () -> node + " delivered " + node.broadcaster.stats().eventsBroadcast() + " of " + entries);
    }
  }

  /** The data a client received after its greeting, up to and with the event {@code last}. */
  private static List<String> through(HttpSseClient client, String last) {
    Probes.await(DEADLINE, () -> client.data().contains(last),
        () -> "did not receive " + last + "; got " + client.data());
    List<String> data = client.data();
    return data.subList(1, data.indexOf(last) + 1);
  }

  /** Runs one producer per node, each on a thread of its own. */
  private static List<CompletableFuture<Void>> produce(List<Node> nodes, ExecutorService threads,
      Consumer<Node> producer) {
    return nodes.stream().map(node -> CompletableFuture.runAsync(() -> producer.accept(node), threads)).toList();
  }

  private static List<String> only(List<String> data, Predicate<String> which) {
    return data.stream().filter(which).toList();
  }

  @Test
  void aPublishOnAnyNodeReachesExactlyTheSubscribersOfItsTopicsOnEveryNodeOnce() throws Exception {
    List<Node> nodes = threeNodes();
    HttpSseClient one = client(nodes.get(0), "topic=rooms/1", null);
    HttpSseClient two = client(nodes.get(1), "topic=rooms/2", null);
    HttpSseClient both = client(nodes.get(2), "topic=rooms/1&topic=rooms/2", null);
    HttpSseClient pattern = client(nodes.get(1), "topic=rooms/*", null);
    HttpSseClient elsewhere = client(nodes.get(0), "topic=rooms/3", null);
    HttpSseClient noTopic = client(nodes.get(2), "", null);

    // Three producers at once, one per node, each publishing in turn to rooms/1, to rooms/2 and to both.
    int perNode = 30;
    ExecutorService threads = Executors.newFixedThreadPool(nodes.size());
    try {
      CompletableFuture.allOf(produce(nodes, threads, node -> {
        for (int i = 0; i < perNode; i++) {
          switch (i % 3) {
            case 0 -> node.broadcaster.publish("rooms/1", Data.of(node.name + i + "@1"));
            case 1 -> node.broadcaster.publish("rooms/2", Data.of(node.name + i + "@2"));
            default -> node.broadcaster.publish(List.of("rooms/1", "rooms/2"), Data.of(node.name + i + "@12"));
          }
        }
      }).toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    } finally {
      threads.shutdown();
    }
    awaitDelivered(nodes, 3L * perNode);
    nodes.get(0).broadcaster.broadcastPaced(Data.of("end")).toCompletableFuture().get(10, TimeUnit.SECONDS);

    List<String> all = through(pattern, "end");
    assertThat(all).hasSize(3 * perNode + 1).doesNotHaveDuplicates().endsWith("end");
    assertThat(through(both, "end")).as("a client of both topics: each event once, in one order").isEqualTo(all);
    assertThat(through(one, "end")).isEqualTo(only(all, d -> d.endsWith("@1") || d.endsWith("@12") || d.equals("end")))
        .hasSize(2 * perNode + 1);
    assertThat(through(two, "end")).isEqualTo(only(all, d -> d.endsWith("@2") || d.endsWith("@12") || d.equals("end")))
        .hasSize(2 * perNode + 1);
    assertThat(through(elsewhere, "end")).as("no event of another topic").containsExactly("end");
    assertThat(through(noTopic, "end")).as("a client with no topic hears broadcasts only").containsExactly("end");
    List<String> ids = both.events().subList(1, all.size() + 1).stream().map(MessageEvent::lastEventId).toList();
    assertThat(ids).isSortedAccordingTo(StreamIds.ORDER).doesNotHaveDuplicates();
  }

  @Test
  void aSendToAUserReachesThatUsersStreamsOnEveryNodeAndNoOtherStream() throws Exception {
    List<Node> nodes = threeNodes();
    HttpSseClient bobOnA = client(nodes.get(0), "user=bob", null);
    HttpSseClient bobOnB = client(nodes.get(1), "user=bob", null);
    HttpSseClient alice = client(nodes.get(1), "user=alice", null);
    HttpSseClient aliceWithEveryTopic = client(nodes.get(2), "user=alice&topic=**", null);

    nodes.get(2).broadcaster.sendTo("bob", Data.of("for bob"));
    nodes.get(0).broadcaster.sendTo("alice", Data.of("for alice"));
    nodes.get(1).broadcaster.publish("users/bob", Data.of("a topic named like a user"));
    awaitDelivered(nodes, 3);
    nodes.get(0).broadcaster.broadcastPaced(Data.of("end")).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(through(bobOnA, "end")).containsExactly("for bob", "end");
    assertThat(through(bobOnB, "end")).containsExactly("for bob", "end");
    assertThat(through(alice, "end")).containsExactly("for alice", "end");
    assertThat(through(aliceWithEveryTopic, "end")).as("no pattern reaches another user's events")
        .containsExactlyInAnyOrder("for alice", "a topic named like a user", "end").endsWith("end");
  }

  @Test
  void aReplayReadFromTheStreamGivesTheClientOnlyItsTopicsEvents() throws Exception {
    startRedis(false);
    Node a = node("a");
    HttpSseClient onA = client(a, "topic=rooms/1", null);
    for (int i = 1; i <= 3; i++) {
      a.broadcaster.publish("rooms/1", Data.of("one" + i));
      a.broadcaster.publish("rooms/2", Data.of("two" + i));
    }
    assertThat(through(onA, "one3")).containsExactly("one1", "one2", "one3");
    String afterFirst = onA.events().get(1).lastEventId();
    onA.close();
    a.broadcaster.publish("rooms/2", Data.of("two4"));
    a.broadcaster.publish("rooms/1", Data.of("one4"));
    awaitDelivered(List.of(a), 8);

    // A node started now has none of it in its history: the replay is read from the stream, page by page.
    Node late = node("late");
    HttpSseClient resumed = client(late, "topic=rooms/1", afterFirst);
    HttpSseClient otherTopic = client(late, "topic=rooms/3", afterFirst);
    a.broadcaster.publish("rooms/1", Data.of("live"));
    a.broadcaster.broadcastPaced(Data.of("end")).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(through(resumed, "end")).containsExactly("one2", "one3", "one4", "live", "end");
    assertThat(through(otherTopic, "end")).containsExactly("end");
    assertThat(late.broadcaster.stats().replayHits()).isEqualTo(2);
    assertThat(late.broadcaster.stats().replayMisses()).isZero();
  }

  @Test
  void aBusyTopicDoesNotPushAQuietTopicsEventOutOfReachOnANodeThatWasUpWhenItWasPublished() throws Exception {
    startRedis(false);
    // A history of 100 events in all, on a stream trimmed to about 1,024 entries of all topics.
    Node a = node("a", 1024, config -> config.history(100));
    Node b = node("b", 1024, config -> config.history(100));
    a.broadcaster.publish("busy", Data.of("busy0"));
    awaitDelivered(List.of(a, b), 1);
    HttpSseClient quiet = client(a, "topic=quiet", null);
    Probes.await(DEADLINE, () -> !quiet.lastEventId().isEmpty(), () -> "no position given");
    String position = quiet.lastEventId();
    quiet.close();

    a.broadcaster.publish("quiet", Data.of("the one quiet event"));
    for (int i = 1; i <= 1500; i++) {
      a.broadcaster.publish("busy", Data.of("busy" + i));
      if (i % 200 == 0) { // the nodes keep up with the stream, which keeps about 1,024
        awaitDelivered(List.of(a, b), i + 2);
      }
    }
    awaitDelivered(List.of(a, b), 1502);
    assertThat(streamTopics()).as("the stream itself has let the quiet event go").doesNotContain("quiet");

    Node late = node("late", 1024, config -> config.history(100));
    HttpSseClient onB = client(b, "topic=quiet", position);
    HttpSseClient onLate = client(late, "topic=quiet", position);
    a.broadcaster.publish("quiet", Data.of("after"));

    assertThat(through(onB, "after")).as("from b's own history, kept per topic")
        .containsExactly("the one quiet event", "after");
    assertThat(onB.events().get(1).type()).isEqualTo("message");
    assertThat(b.broadcaster.stats().replayHits()).isEqualTo(1);
    assertThat(through(onLate, "after")).doesNotContain("the one quiet event");
    Probes.await(DEADLINE, () -> onLate.events().stream().anyMatch(event -> event.type().equals("reset")),
        () -> "a node started since has only the stream: a miss, to be told; got " + onLate.events());
    assertThat(late.broadcaster.stats().replayMisses()).isEqualTo(1);
  }

  @Test
  void aClientThatMovesBetweenNodesWhilePublishersRaceGetsItsTopicsEventsWithNoGapAndNoDuplicate()
      throws Exception {
    List<Node> nodes = threeNodes();
    int count = 600;
    nodes.get(0).broadcaster.broadcastPaced(Data.of("start")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    awaitDelivered(nodes, 1);
    HttpSseClient first = client(nodes.get(2), "topic=rooms/1", null);
    Probes.await(DEADLINE, () -> !first.lastEventId().isEmpty(), () -> "no position given");
    String lastEventId = first.lastEventId(); // where the client starts: the stream's newest entry
    first.close();
    List<String> expected = new ArrayList<>();
    AtomicInteger hops = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      // Two producers on two nodes, each to its own topic and to the client's: their order is the stream's.
      List<CompletableFuture<Void>> producers = produce(nodes.subList(0, 2), threads, node -> {
        for (int i = 1; i <= count; i++) {
          node.broadcaster.publish(i % 2 == 0 ? "rooms/1" : "rooms/" + node.name, Data.of(node.name + i));
          if (i % 20 == 0) { // bursts of 20, each racing with the client's next connection
            node.broadcaster.broadcastPaced(Data.of(node.name + "-tick" + i)).toCompletableFuture().join();
            int burst = i / 20;
            Probes.await(DEADLINE, () -> hops.get() > burst, () -> "the client stopped hopping");
          }
        }
      });
      for (String name : List.of("a", "b")) {
        for (int i = 2; i <= count; i += 2) {
          expected.add(name + i);
        }
      }

      List<String> got = new ArrayList<>();
      while (!(got.contains("a" + count) && got.contains("b" + count))) {
        assertThat(hops.get()).as("hops").isLessThan(1000);
        Node node = nodes.get(hops.incrementAndGet() % nodes.size());
        HttpSseClient client = client(node, "topic=rooms/1", lastEventId);
        // Read a little (or everything, near the end), then leave mid-stream.
        Probes.await(DEADLINE, () -> client.events().size() > 1 || producers.stream().allMatch(
            CompletableFuture::isDone), () -> "nothing new on " + node);
        client.close();
        resources.remove(client);
        for (MessageEvent event : client.events().subList(1, client.events().size())) {
          assertThat(event.type()).as("no replay miss").isEqualTo("message");
          if (!event.data().contains("tick")) {
            got.add(event.data());
          }
        }
        String id = client.lastEventId();
        lastEventId = id.isEmpty() ? lastEventId : id;
      }
      assertThat(got).as("no duplicate").doesNotHaveDuplicates();
      assertThat(only(got, d -> d.startsWith("a"))).as("a's events to rooms/1, in order")
          .isEqualTo(expected.subList(0, count / 2));
      assertThat(only(got, d -> d.startsWith("b"))).as("b's events to rooms/1, in order")
          .isEqualTo(expected.subList(count / 2, count));
      assertThat(hops.get()).as("the client moved at least once a burst").isGreaterThanOrEqualTo(count / 20);
    } finally {
      threads.shutdown();
    }
  }

  /** The topic fields of every entry the stream holds now, asked of Redis directly. */
  private List<String> streamTopics() {
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      List<String> topics = new ArrayList<>();
      for (StreamMessage<String, String> message : connection.sync().xrange("herald:events", Range.unbounded())) {
        topics.add(message.getBody().getOrDefault("topic", ""));
      }
      return topics;
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
