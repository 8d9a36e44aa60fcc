package dev.herald.sse.redis;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.testkit.HttpSseClient;
import dev.herald.sse.testkit.Probes;
import dev.herald.sse.testkit.parser.EventStreamParser;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Cluster-wide pacing on a real {@code redis-server}: a producer that awaits each {@code broadcastPaced} (or
 * {@code broadcastOnce}) on one node runs as fast as the slowest reader of every node, with at most its window of
 * paced events in flight ahead of the slowest node, no client that keeps up is cut anywhere, and a node that stops
 * reporting is excluded after the node timeout; a paced append whose answer is lost is sent again and lands once.
 */
class RedisClusterPacingIT extends ClusterTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  /** Large events, so that a client that does not read fills its socket's buffers and then its queue quickly. */
  private static final String PADDING = "x".repeat(64 * 1024);
  /**
   * More than a client that reads nothing can be given without pacing: its queue (8) and parked sends (8), and its
   * socket's buffers (the server's send buffer grows to 4 MB on Linux: 64 events).
   */
  private static final int EVENTS = 200;

  /**
   * A node with small queues and a long slow-client grace: only the producer's pace can save a slow client. Its
   * producers may have {@code window} paced events in flight ahead of the slowest node.
   */
  private Node pacedNode(String name, int window) throws Exception {
    Node node = Node.start(name, group, RedisBackplane.builder(redis.uri()).nodeTimeout(Duration.ofSeconds(1)),
        config -> config.history(10).slowClientGrace(Duration.ofSeconds(60))
            .channel(ChannelConfig.builder().maxQueuedEvents(8).pacingWatermark(window).build()));
    resources.add(node);
    return node;
  }

  /** Runs a producer on a node that awaits each paced broadcast before the next, counting those completed. */
  private static CompletableFuture<Void> producer(Node node, AtomicInteger completed) {
    return producer(node, completed, false);
  }

  /**
   * Runs a producer on a node that awaits each paced broadcast before the next, counting those completed; with
   * {@code once}, each is a {@code broadcastOnce} under a key of its own.
   */
  private static CompletableFuture<Void> producer(Node node, AtomicInteger completed, boolean once) {
    return CompletableFuture.runAsync(() -> {
      for (int i = 1; i <= EVENTS; i++) {
        Data event = Data.of("e" + i + " " + PADDING);
        (once ? node.broadcaster.broadcastOnce("key-" + i, event) : node.broadcaster.broadcastPaced(event))
            .toCompletableFuture().join();
        completed.incrementAndGet();
      }
    });
  }

  /** Starts Redis and two paced nodes, a and b, with a window of 4, and waits until a knows of b. */
  private List<Node> twoNodes() throws Exception {
    return twoNodes(4);
  }

  /** Starts Redis and two paced nodes, a and b, and waits until a knows of b. */
  private List<Node> twoNodes(int window) throws Exception {
    startRedis(false);
    Node a = pacedNode("a", window);
    Node b = pacedNode("b", window);
    Probes.await(DEADLINE, () -> a.backplane.liveNodes() == 2,
        () -> "a knows of " + a.backplane.liveNodes() + " nodes, not 2");
    return List.of(a, b);
  }

  @ParameterizedTest(name = "window {0}, broadcastOnce {1}")
  @CsvSource({"1, false", "4, false", "4, true"})
  void aPacedProducerOnOneNodeIsHeldBackByASlowReaderOnAnotherAndNoClientIsCut(int window, boolean once)
      throws Exception {
    List<Node> nodes = twoNodes(window);
    Node a = nodes.get(0);
    Node b = nodes.get(1);
    HttpSseClient fastOnA = client(a);
    HttpSseClient fastOnB = client(b);
    try (SlowClient slow = SlowClient.connect(b)) {
      Probes.await(DEADLINE, () -> b.broadcaster.clientCount() == 2 && fastOnA.events().size() == 1,
          () -> "the clients did not connect");

      AtomicInteger completed = new AtomicInteger();
      CompletableFuture<Void> producing = producer(a, completed, once);
      // The slow client reads nothing yet: b's queue for it fills, and the producer waits for b.
      Probes.await(DEADLINE, () -> b.broadcaster.stats().framesPending() > 0, () -> "b queued nothing");
      assertThat(producing).as("held back by b's slow reader").isNotDone();

      // Now it reads, and the producer follows its pace. Unpaced, it would have lost events: it is given them all,
      // in order, and no client is cut anywhere.
      List<MessageEvent> read = slow.readThrough("e" + EVENTS);
      producing.get(60, TimeUnit.SECONDS);
      assertThat(completed.get()).isEqualTo(EVENTS);
      assertThat(data(read)).isEqualTo(expected());
    }
    assertEveryEventIn(fastOnA, fastOnB);
    assertThat(a.broadcaster.stats().slowClientsDisconnected()).isZero();
    assertThat(b.broadcaster.stats().slowClientsDisconnected()).isZero();
    assertThat(a.backplane.nodesExcluded()).isZero();
  }

  @Test
  void aProducerRunsTheWindowAheadOfAStalledNodeAndNoFurther() throws Exception {
    int window = 4;
    List<Node> nodes = twoNodes(window);
    Node a = nodes.get(0);
    Node b = nodes.get(1);
    HttpSseClient onA = client(a);
    HttpSseClient onB = client(b);
    Probes.await(DEADLINE, () -> onA.events().size() == 1 && onB.events().size() == 1,
        () -> "the clients did not connect");

    b.pause(); // b's reader stops at the next entry, as in a GC pause: b offers nothing, but is heard from
    AtomicInteger completed = new AtomicInteger();
    CompletableFuture<Void> producing = producer(a, completed);
    // The producer does not wait for each event to go round: the first window - 1 complete once Redis has them.
    // The next waits for b to offer the first, though a has offered it (and the ones after it) already.
    Probes.await(DEADLINE, () -> completed.get() == window - 1, () -> completed.get() + " completed");
    Probes.await(DEADLINE, () -> onA.events().size() == window + 1, () -> "a delivered " + onA.events().size());
    Probes.await(DEADLINE, () -> b.heldAt() != null, () -> "b's reader did not stop");
    assertThat(completed).as("held back by b alone").hasValue(window - 1);
    assertThat(producing).isNotDone();

    b.resume();
    producing.get(60, TimeUnit.SECONDS);
    assertEveryEventIn(onA, onB);
    assertThat(a.backplane.nodesExcluded()).isZero();
  }

  @Test
  void aNodeThatStopsReportingIsExcludedAfterTheNodeTimeoutAndCounted() throws Exception {
    List<Node> nodes = twoNodes();
    Node a = nodes.get(0);
    Node b = nodes.get(1);
    try (SlowClient slow = SlowClient.connect(b)) {
      Probes.await(DEADLINE, () -> b.broadcaster.clientCount() == 1, () -> "the slow client did not connect");
      AtomicInteger completed = new AtomicInteger();
      CompletableFuture<Void> producing = producer(a, completed);
      Probes.await(DEADLINE, () -> b.broadcaster.stats().framesPending() > 0, () -> "b parked nothing");
      assertThat(producing).isNotDone();

      // b is cut off from the others (as a partition would): a stops waiting for it once it has not heard from it
      // for the node timeout (1 s), long before b's slow-client grace (60 s) would have let the producer go.
      b.backplane.silenceProgress();
      producing.get(20, TimeUnit.SECONDS);
      assertThat(a.backplane.nodesExcluded()).isEqualTo(1);
      assertThat(a.backplane.liveNodes()).isEqualTo(1);
      assertThat(slow.bytesRead()).as("the slow client never read").isZero();
    }
  }

  private HttpSseClient client(Node node) throws Exception {
    HttpSseClient client = HttpSseClient.connect(http, node.events(), null);
    resources.add(client);
    return client;
  }

  /** Waits until each client has the greeting and every event, and checks that they came in order. */
  private static void assertEveryEventIn(HttpSseClient... clients) {
    for (HttpSseClient client : clients) {
      Probes.await(DEADLINE, () -> client.events().size() == EVENTS + 1, () -> "a client missed events");
      assertThat(data(client.events().subList(1, EVENTS + 1))).isEqualTo(expected());
    }
  }

  private static List<String> expected() {
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= EVENTS; i++) {
      expected.add("e" + i + " " + PADDING);
    }
    return expected;
  }

  private static List<String> data(List<MessageEvent> events) {
    return events.stream().map(MessageEvent::data).filter(d -> d.startsWith("e")).toList();
  }

  /**
   * A client that reads its stream only when told to, over a plain socket with a small receive buffer, so that the
   * server's queue for it fills. It decodes the chunked body itself.
   */
  private static final class SlowClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private long bytesRead;

    private SlowClient(Socket socket) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
    }

    static SlowClient connect(Node node) throws IOException {
      Socket socket = new Socket();
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", node.port()), 5000);
      socket.setSoTimeout((int) DEADLINE.toMillis());
      socket.getOutputStream().write(("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
          .getBytes(US_ASCII));
      return new SlowClient(socket);
    }

    long bytesRead() {
      return bytesRead;
    }

    /** Reads the response's head and then its chunks until an event's data starts with {@code last}. */
    List<MessageEvent> readThrough(String last) throws IOException {
      while (!line().isEmpty()) { // the status line and headers
        bytesRead++;
      }
      EventStreamParser parser = new EventStreamParser();
      while (parser.events().stream().noneMatch(event -> event.data().startsWith(last + " "))) {
        int size = Integer.parseInt(line().split(";")[0].trim(), 16);
        parser.feed(in.readNBytes(size));
        bytesRead += size;
        line(); // the CRLF after the chunk
      }
      return parser.events();
    }

    private String line() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) != '\n') {
        if (b < 0) {
          throw new IOException("the stream ended");
        }
        line.write(b);
      }
      String text = line.toString(US_ASCII);
      return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  @Test
  void pacedAppendsWhoseAnswersTimedOutAreSentAgainAndLandOnceInOrder() throws Exception {
    RedisCommands<String, String> inspect = startRedisAndInspect();
    RedisBackplane backplane =
        startedBackplane(RedisBackplane.builder(redis.uri()).commandTimeout(Duration.ofMillis(300)));
    assertThat(backplane.retriesPacedPublishes()).isTrue();

    // Redis holds every command for longer than the command timeout: the first append times out at the node, and
    // Redis applies it once the pause ends, so its first answer is lost although it landed.
    inspect.clientPause(700);
    List<CompletableFuture<String>> appends = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      appends.add(backplane.publishPaced(Data.of("m" + i)).toCompletableFuture());
    }
    CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);

    assertThat(inspect.xrange("herald:events", Range.unbounded())).as("each once, in order")
        .extracting(message -> message.getBody().get("data"))
        .containsExactly("m0", "m1", "m2", "m3", "m4");
    // The first append's answer is always lost; the others went out together once it timed out, and whether their
    // answer came within the timeout depends on when Redis's pause ends: sent again, or not, they land once.
    assertThat(backplane.pacedResends()).as("sent again after its answer was lost").isPositive();
  }

  @Test
  void pacedAppendsHandedOverWhileOneIsInFlightGoOutTogetherAndLandOnceInOrder() throws Exception {
    RedisCommands<String, String> inspect = startRedisAndInspect();
    RedisBackplane backplane = startedBackplane(RedisBackplane.builder(redis.uri()));

    // Redis holds every command for a moment: the first append is in flight the whole time the others are handed
    // over, so they wait for its answer and then go out in batches.
    int count = 3 * PacedAppends.MAX_BATCH + 7;
    inspect.clientPause(1000);
    List<CompletableFuture<String>> appends = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      appends.add(backplane.publishPaced(i % 10 == 0 ? Comment.of("c" + i) : Data.of("m" + i)).toCompletableFuture());
    }
    CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);

    List<StreamMessage<String, String>> entries = inspect.xrange("herald:events", Range.unbounded());
    assertThat(entries).as("each once, in order")
        .extracting(message -> message.getBody().getOrDefault("data", message.getBody().get("comment")))
        .containsExactlyElementsOf(IntStream.range(0, count).mapToObj(i -> (i % 10 == 0 ? "c" : "m") + i).toList());
    assertThat(appends).as("each stage has its own entry's id")
        .extracting(CompletableFuture::join)
        .containsExactlyElementsOf(entries.stream().map(StreamMessage::getId).toList());
    assertThat(backplane.pacedSends()).as("the one in flight, then full batches and the rest")
        .isEqualTo(1 + 4);
    assertThat(backplane.pacedResends()).isZero();
  }

  @Test
  void keyedAppendsAmongThemGoOutOnTheirOwnAndTheOrderHolds() throws Exception {
    RedisCommands<String, String> inspect = startRedisAndInspect();
    RedisBackplane backplane = startedBackplane(RedisBackplane.builder(redis.uri()));

    // Appends under an idempotency key (broadcastOnce's) are scripts of their own: they split the runs of numbered
    // appends into batches, and everything still lands in the order handed over. The last key repeats the first's.
    inspect.clientPause(1000);
    List<CompletableFuture<String>> appends = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Data data = Data.of("m" + i);
      appends.add((i == 10 || i == 20 ? backplane.publishPaced(data, "key-" + i)
          : i == 30 ? backplane.publishPaced(data, "key-10")
          : backplane.publishPaced(data)).toCompletableFuture());
    }
    CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);

    List<StreamMessage<String, String>> entries = inspect.xrange("herald:events", Range.unbounded());
    assertThat(entries).as("each once, in order; the repeated key appended nothing")
        .extracting(message -> message.getBody().get("data"))
        .containsExactlyElementsOf(IntStream.range(0, 40).filter(i -> i != 30).mapToObj(i -> "m" + i).toList());
    assertThat(appends.get(30).join()).as("the repeated key's stage has the first one's entry")
        .isEqualTo(appends.get(10).join());
    assertThat(backplane.pacedSends()).as("the one in flight, then four batches and the three keyed appends")
        .isEqualTo(1 + 4 + 3);
  }

  /** Starts Redis without persistence and returns a connection of the test's own to inspect it. */
  private RedisCommands<String, String> startRedisAndInspect() throws Exception {
    startRedis(false);
    RedisClient client = RedisClient.create(redis.uri());
    resources.add(() -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
    StatefulRedisConnection<String, String> connection = client.connect();
    resources.add(connection);
    return connection.sync();
  }

  /** A backplane on its own, without a broadcaster, that drops what it reads. */
  private RedisBackplane startedBackplane(RedisBackplane.Builder builder) {
    RedisBackplane backplane = builder.build();
    resources.add(backplane);
    backplane.start(100, entry -> { });
    return backplane;
  }
}
