package dev.herald.sse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.Sender;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.Access;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.SseRequest;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.core.TopicLimits;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Topics and users on one stream, run on every transport: the handshake reads the {@code topic} and
 * {@code lastEventId} query parameters the same way whatever the host, and the engine routes each publish to exactly
 * its topics' clients. A transport's test class extends it and names its {@link SseHost}, as for
 * {@link TransportConformance}.
 *
 * <pre>{@code
 * class NettyTopicsIT extends TopicScenarios {
 *   @Override
 *   protected SseHost host() {
 *     return new NettyHost();
 *   }
 * }
 * }</pre>
 *
 * <p>What it pins: a publish reaches its topic's clients and no other, a client of several matching topics once,
 * and a broadcast everyone; patterns; percent-encoded names; a malformed topic, too many, too many patterns or too
 * long a name answered {@code 400} with the reason before any stream byte, subscribing nothing; topics joined and
 * left by server code on an open stream, from each join to its leave with no hole, while a producer races the
 * changes; a replay from the {@code lastEventId} query parameter that holds the client's topics only; clients of
 * topics and patterns resuming (header and query parameter) while producers race them, each ending with exactly
 * its topics' events, once, in id order; an {@link dev.herald.sse.core.Authorizer}'s {@code 401} and
 * {@code 403} before any stream byte; a send to a user that reaches exactly that user's streams; and the request's
 * path, address and cookies as each host gives them to the authorizer.
 */
public abstract class TopicScenarios extends HostedSuite {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final Duration RACE_DEADLINE = Duration.ofSeconds(30);
  private static final String END = "end";


  /** For subclasses: a transport's test class that says which host to run the scenarios on. */
  protected TopicScenarios() {}

  /**
   * Each client gets exactly the publishes to its topics, once each, and every broadcast.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void aPublishReachesExactlyItsTopicsClientsOnce() throws Exception {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    int port = serve(broadcaster);
    RawSseClient one = open(port, "/events?topic=rooms/1");
    RawSseClient two = open(port, "/events?topic=rooms%2F2");
    RawSseClient both = open(port, "/events?topic=rooms/1&topic=rooms/2&topic=rooms/*");
    RawSseClient rest = open(port, "/events?topic=rooms/**");
    RawSseClient none = open(port, "/events");
    RawSseClient utf8 = open(port, "/events?topic=caf%C3%A9");
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 6, () -> "clients: " + broadcaster.clientCount());

    broadcaster.publish("rooms/1", Data.of("to 1"));
    broadcaster.publish(List.of("rooms/1", "rooms/2"), Data.of("to 1 and 2"));
    broadcaster.publish("rooms/2/typing", Data.of("typing in 2"));
    broadcaster.publish("café", Data.of("to café"));
    broadcaster.broadcast(Data.of("to all"));
    broadcaster.broadcast(Data.of(END));

    assertUntilEnd(one, "to 1", "to 1 and 2", "to all");
    assertUntilEnd(two, "to 1 and 2", "to all");
    assertUntilEnd(both, "to 1", "to 1 and 2", "to all");
    assertUntilEnd(rest, "to 1", "to 1 and 2", "typing in 2", "to all");
    assertUntilEnd(none, "to all");
    assertUntilEnd(utf8, "to café", "to all");
  }

  /**
   * A malformed topic, or more topics than the limit, is answered {@code 400} with the reason as plain text, before
   * any stream byte, and nothing is subscribed.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void aBadSubscriptionIsRefusedWith400AndItsReason() throws Exception {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().topicLimits(new TopicLimits(2, 1, 64)));
    int port = serve(broadcaster);

    RawSseClient malformed = send(port, "/events?topic=rooms/1&topic=rooms//2");
    RawSseClient tooMany = send(port, "/events?topic=a&topic=b&topic=c");

    assertThat(malformed.awaitHead(DEADLINE)).isEqualTo(400);
    assertThat(malformed.awaitEnd(DEADLINE)).as("the refusal's body ends").isTrue();
    assertThat(malformed.body()).contains("empty segment").contains("rooms//2");
    assertThat(malformed.response().header("Content-Type")).startsWith("text/plain");
    assertThat(tooMany.awaitHead(DEADLINE)).isEqualTo(400);
    assertThat(tooMany.awaitEnd(DEADLINE)).isTrue();
    assertThat(tooMany.body()).isEqualTo("too many topics: a client may have at most 2\n");
    assertThat(broadcaster.stats().clientsConnected()).isZero();
    assertThat(broadcaster.publish("rooms/1", Data.of("to nobody"))).isZero();
  }

  /**
   * A name longer than the limit, or more patterns than the limit, is answered {@code 400} with the reason before
   * any stream byte, and nothing is subscribed, not even the request's topics within the limits; a subscription at
   * the limits is served, its name's length counted in characters (not in the bytes of its UTF-8 spelling).
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void aNameOverTheLengthLimitOrPatternsOverTheirLimitAreRefusedWith400AndItsReason() throws Exception {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().topicLimits(new TopicLimits(4, 1, 8)));
    int port = serve(broadcaster);

    RawSseClient tooLong = send(port, "/events?topic=rooms/1&topic=rooms/123");
    RawSseClient tooManyPatterns = send(port, "/events?topic=rooms/1&topic=rooms/*&topic=users/**");

    assertRefused(tooLong, 400, "a topic may have at most 8 characters; this one has 9");
    assertRefused(tooManyPatterns, 400, "too many topic patterns: a client may have at most 1");
    assertThat(broadcaster.stats().clientsConnected()).isZero();
    assertThat(broadcaster.publish("rooms/1", Data.of("to nobody"))).isZero();

    RawSseClient atTheLimits = open(port, "/events?topic=%C3%A9coles/1&topic=rooms/*"); // 8 characters, 9 bytes
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 1, () -> "clients: " + broadcaster.clientCount());
    broadcaster.publish("écoles/1", Data.of("to écoles/1"));
    broadcaster.publish("rooms/1", Data.of("to rooms/1"));
    broadcaster.broadcast(Data.of(END));
    assertUntilEnd(atTheLimits, "to écoles/1", "to rooms/1");
  }

  /**
   * A client that resumes with the {@code lastEventId} query parameter (as a page's first {@code EventSource}
   * connect must, since it cannot set the header) gets the broadcasts and its topics' events after that id, and no
   * other topic's.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void aResumeFromTheQueryParameterReplaysTheClientsTopicsOnly() throws Exception {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().assignIds(true).firstId(1).history(100).channel(queueOf(100)));
    int port = serve(broadcaster);
    broadcaster.publish("rooms/1", Data.of("seen")); // id 1
    broadcaster.publish("rooms/1", Data.of("missed 1")); // 2
    broadcaster.publish("rooms/2", Data.of("other room")); // 3
    broadcaster.broadcast(Data.of("missed broadcast")); // 4

    RawSseClient client = open(port, "/events?topic=rooms/1&lastEventId=1");
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 1, () -> "clients: " + broadcaster.clientCount());
    broadcaster.publish("rooms/1", Data.of("live")); // 5
    broadcaster.broadcast(Data.of(END));

    assertUntilEnd(client, "missed 1", "missed broadcast", "live");
    assertThat(client.parser().events()).extracting(MessageEvent::lastEventId).startsWith("2", "4", "5");
    assertThat(broadcaster.stats().replayHits()).isEqualTo(1);
  }

  /**
   * Server code joins an open stream to a topic and a pattern, and leaves them, again and again, while a producer
   * publishes to them, to the stream's own topic and to another: the client gets the joined topics' events from each
   * join to its leave with no hole, its own topic's every event, and each event once, in the order published.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void topicsJoinedAndLeftMidStreamDeliverFromEachJoinToItsLeaveAndLoseNothing() throws Exception {
    int changes = 40; // a join, a leave, a join...
    int batch = 10; // the rounds of publishes each change lets the producer make
    int rounds = (changes + 1) * batch;
    BlockingQueue<Sender> subscribed = new LinkedBlockingQueue<>();
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .onSubscribe(subscribed::add)
        .channel(queueOf(5 * rounds + 1)));
    int port = serve(broadcaster);
    RawSseClient client = open(port, "/events?topic=held");
    Sender stream = subscribed.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(stream).as("the stream's sender, given to onSubscribe").isNotNull();
    List<String> joined = List.of("joined", "rooms/*");

    // Round i waits for change i / batch. The first half of a batch is published after that change returned and
    // before the next one starts (the test waits for it); the second half races the next change.
    AtomicInteger changed = new AtomicInteger();
    AtomicInteger published = new AtomicInteger();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> producer = pool.submit(() -> {
        for (int i = 0; i < rounds; i++) {
          int round = i;
          Probes.await(DEADLINE, () -> changed.get() >= round / batch || broadcaster.isClosed(),
              () -> "change " + round / batch);
          broadcaster.publish("held", Data.of("h " + i));
          broadcaster.publish("joined", Data.of("j " + i));
          broadcaster.publish("rooms/7", Data.of("r " + i));
          broadcaster.publish("other", Data.of("o " + i));
          broadcaster.publish(List.of("held", "joined"), Data.of("b " + i));
          published.set(i + 1);
        }
        return null;
      });
      for (int k = 1; k <= changes; k++) {
        int halfway = (k - 1) * batch + batch / 2;
        Probes.await(DEADLINE, () -> published.get() >= halfway || producer.isDone(),
            () -> "rounds published: " + published.get());
        boolean join = k % 2 == 1;
        assertThat(join ? broadcaster.join(stream, joined) : broadcaster.leave(stream, joined)).isTrue();
        changed.set(k);
      }
      producer.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      pool.shutdownNow();
    }
    broadcaster.publish("held", Data.of(END));
    List<String> got = dataUntilEnd(client);

    List<String> kinds = List.of("h", "j", "r", "o", "b"); // in the order each round publishes them
    int[] order = got.stream().mapToInt(data -> {
      String[] kindAndRound = data.split(" ");
      return Integer.parseInt(kindAndRound[1]) * kinds.size() + kinds.indexOf(kindAndRound[0]);
    }).toArray();
    assertThat(order).as("each event once, in the order published").isSorted().doesNotHaveDuplicates();
    assertThat(got.stream().filter(data -> data.startsWith("h ") || data.startsWith("b ")).toList())
        .as("the stream's own topic, published alone and with a joined one")
        .isEqualTo(IntStream.range(0, rounds).boxed().flatMap(i -> Stream.of("h " + i, "b " + i)).toList());
    assertThat(got).noneMatch(data -> data.startsWith("o "));
    // The joined topics' events, in the order published: after change b (a join when b is odd), each one arrives
    // if and only if the stream has joined, but for those that race the next change. Those switch from the old
    // state to the new one once: so there are as many switches as changes, and no hole between a join and its leave.
    Set<String> arrived = new HashSet<>(got);
    boolean previous = false;
    int switches = 0;
    for (int i = 0; i < rounds; i++) {
      int after = i / batch;
      boolean racing = i % batch >= batch / 2 && after < changes;
      for (String kind : List.of("j ", "r ")) {
        boolean now = arrived.contains(kind + i);
        if (!racing) {
          assertThat(now).as("%s%d, published after change %d", kind, i, after).isEqualTo(after % 2 == 1);
        }
        if (now != previous) {
          switches++;
          previous = now;
        }
      }
    }
    assertThat(switches).as("switches between not hearing the joined topics and hearing them").isEqualTo(changes);
    assertThat(broadcaster.topics(stream)).containsExactly("held");
  }

  /**
   * Clients of different topics and patterns reconnect again and again with the id of the last event they read (in
   * the {@code Last-Event-ID} header, and every other time in the {@code lastEventId} query parameter) while
   * producers publish to their topics and to another: each ends with exactly its topics' events, in id order, none
   * missed and none twice (an event published to two of its topics, or matched by a name and a pattern, once).
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void clientsResumingWhilePublishesToTheirAndOtherTopicsRaceGetExactlyTheirTopicsEventsOnceInOrder()
      throws Exception {
    int perProducer = 1_500;
    List<List<String>> producers = List.of(List.of("rooms/1"), List.of("rooms/2"),
        List.of("rooms/1/typing", "rooms/2/typing"), List.of("other"));
    List<ResumingClient> clients = List.of(
        new ResumingClient("topic=rooms/1", List.of(0)),
        new ResumingClient("topic=rooms/2&topic=rooms/2/typing", List.of(1, 2)),
        new ResumingClient("topic=rooms/*", List.of(0, 1)),
        new ResumingClient("topic=rooms/*/typing", List.of(2)),
        new ResumingClient("topic=rooms/**", List.of(0, 1, 2)),
        new ResumingClient("topic=rooms/1&topic=rooms/*&topic=rooms/1/typing", List.of(0, 1, 2)),
        new ResumingClient("topic=rooms/1/typing&topic=rooms/2", List.of(1, 2)),
        new ResumingClient("topic=other", List.of(3)));
    int total = producers.size() * perProducer;
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().assignIds(true).firstId(1).history(total + 10)
        .channel(ChannelConfig.builder().maxQueuedEvents(total + 10).maxQueuedBytes(16 << 20).build()));
    int port = serve(broadcaster);
    ExecutorService pool = Executors.newFixedThreadPool(clients.size() + producers.size());
    try {
      CountDownLatch subscribed = new CountDownLatch(clients.size());
      CountDownLatch firstResume = new CountDownLatch(1);
      AtomicInteger resumes = new AtomicInteger();
      List<Future<List<MessageEvent>>> seen = new ArrayList<>();
      for (ResumingClient client : clients) {
        seen.add(pool.submit(() -> client.readResuming(port, client.hears().size() * perProducer, subscribed,
            firstResume, resumes)));
      }
      assertThat(subscribed.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).as("every client subscribed").isTrue();
      // The producers publish a tenth, then wait (with a bound) for the first resume, so that resumes race publishes
      // however fast the producers run: a client of three producers has its first fewer than 400 events by then.
      List<Future<?>> publishing = new ArrayList<>();
      for (int p = 0; p < producers.size(); p++) {
        List<String> topics = producers.get(p);
        String prefix = p + ":";
        publishing.add(pool.submit(() -> {
          for (int i = 0; i < perProducer; i++) {
            if (i == perProducer / 10) {
              firstResume.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            }
            broadcaster.publish(topics, Data.of(prefix + i));
            if (i % 16 == 0) {
              Thread.yield();
            }
          }
          return null;
        }));
      }

      for (Future<?> producer : publishing) {
        producer.get(RACE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      }
      broadcaster.broadcast(Data.of(END)); // ends a client that lost some of its events: it waits for more
      List<List<MessageEvent>> read = new ArrayList<>();
      for (Future<List<MessageEvent>> client : seen) {
        read.add(client.get(2, TimeUnit.MINUTES));
      }
      assertThat(broadcaster.stats().replayMisses()).isZero();
      assertThat(broadcaster.stats().replayHits()).as("resumes found in the history").isEqualTo(resumes.get());
      for (int c = 0; c < clients.size(); c++) {
        ResumingClient client = clients.get(c);
        List<MessageEvent> events = read.get(c);
        assertThat(events.stream().mapToLong(event -> Long.parseLong(event.lastEventId())).toArray())
            .as("the ids %s read across its reconnections", client).isSorted().doesNotHaveDuplicates();
        Map<String, List<String>> byProducer = events.stream().map(MessageEvent::data)
            .collect(Collectors.groupingBy(data -> data.substring(0, data.indexOf(':') + 1), TreeMap::new,
                Collectors.toList()));
        assertThat(byProducer.keySet()).as("the producers %s heard", client)
            .containsExactlyElementsOf(client.hears().stream().map(p -> p + ":").toList());
        for (int p : client.hears()) {
          String prefix = p + ":";
          assertThat(byProducer.get(prefix)).as("the events of producer %d %s read", p, client)
              .containsExactlyElementsOf(IntStream.range(0, perProducer).mapToObj(i -> prefix + i).toList());
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A client of the replay race: its topics, as the query that asks for them, and the producers whose events it
   * hears.
   */
  private record ResumingClient(String topics, List<Integer> hears) {

    /**
     * Reads this many events, reconnecting after every few dozen or hundred with the id of the last one it read, as
     * {@code EventSource} does (every other time in the query parameter, as a page's first connect must).
     */
    List<MessageEvent> readResuming(int port, int count, CountDownLatch subscribed, CountDownLatch firstResume,
        AtomicInteger resumes) throws IOException {
      List<MessageEvent> read = new ArrayList<>();
      String lastEventId = null;
      for (int connection = 0; read.size() < count; connection++) {
        boolean inQuery = lastEventId != null && connection % 2 == 1;
        String path = "/events?" + topics + (inQuery ? "&lastEventId=" + lastEventId : "");
        try (RawSseClient client = RawSseClient.connect(port, 0)) {
          client.send(lastEventId == null || inQuery
              ? RawSseClient.get(path) : RawSseClient.get(path, "Last-Event-ID: " + lastEventId));
          assertThat(client.awaitHead(RACE_DEADLINE)).as("the status of %s", path).isEqualTo(200);
          if (lastEventId == null) {
            subscribed.countDown();
          } else {
            resumes.incrementAndGet();
            firstResume.countDown();
          }
          int want = Math.min(count - read.size(), ThreadLocalRandom.current().nextInt(50, 400));
          // It counts the first events it wanted; whatever came after them is lost as it leaves. The end marker,
          // broadcast once the producers are done, comes before all its events only if some were lost: then it
          // stops there, rather than wait for events that will not come.
          List<MessageEvent> events = client.awaitEventsUntil(e -> e.size() >= want || endsWithEnd(e),
              want + " events or the end marker", RACE_DEADLINE);
          if (endsWithEnd(events) && events.size() <= want) {
            read.addAll(events.subList(0, events.size() - 1));
            return read;
          }
          events = events.subList(0, want);
          read.addAll(events);
          lastEventId = events.get(want - 1).lastEventId();
          client.abort();
        }
      }
      return read;
    }
  }

  /** A cookie check, as an application writes one: {@code user-NAME} is NAME's session. */
  private static Access byCookie(SseRequest request) {
    String session = request.cookie("session");
    if (session == null) {
      return Access.unauthorized("sign in first");
    }
    if (!session.startsWith("user-")) {
      return Access.forbidden("this session may not watch events");
    }
    String user = session.substring("user-".length());
    return Access.grant(user, List.of("rooms/*", "users/" + user)).withSubscribed(List.of("users/" + user));
  }

  /**
   * The authorizer's refusals, and a topic outside its grant, are answered with their status and reason before any
   * stream byte, and subscribe nobody.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void anUnauthorizedOrForbiddenRequestIsRefusedBeforeAnyStreamByte() throws Exception {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    int port = served().serve(ServerSetup.of(broadcaster)
        .withStreamConfig(StreamConfig.builder().authorizer(TopicScenarios::byCookie).build()));

    RawSseClient anonymous = send(port, "/events");
    RawSseClient otherUsers = send(port, "/events?topic=rooms/1&topic=users/alice", "Cookie: session=user-bob");
    RawSseClient badSession = send(port, "/events", "Cookie: theme=dark; session=guest");

    assertRefused(anonymous, 401, "sign in first");
    assertRefused(otherUsers, 403, "this stream may not have the topic users/alice");
    assertRefused(badSession, 403, "this session may not watch events");
    assertThat(broadcaster.stats().clientsConnected()).isZero();
  }

  /**
   * A send to a user reaches every stream of that user, and no other stream, whatever its topics.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void aSendToAUserReachesAllItsStreamsAndNoOneElses() throws Exception {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    int port = served().serve(ServerSetup.of(broadcaster)
        .withStreamConfig(StreamConfig.builder().authorizer(TopicScenarios::byCookie).build()));
    RawSseClient bobTab1 = open(port, "/events", "Cookie: session=user-bob");
    RawSseClient bobTab2 = open(port, "/events?topic=rooms/*", "Cookie: session=user-bob");
    RawSseClient alice = open(port, "/events?topic=rooms/*", "Cookie: session=user-alice");
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 3, () -> "clients: " + broadcaster.clientCount());

    broadcaster.sendTo("bob", Data.of("to bob"));
    broadcaster.publish("users/bob", Data.of("to bob's topic"));
    broadcaster.publish("rooms/1", Data.of("to room 1"));
    broadcaster.broadcast(Data.of(END));

    assertUntilEnd(bobTab1, "to bob", "to bob's topic");
    assertUntilEnd(bobTab2, "to bob", "to bob's topic", "to room 1");
    assertUntilEnd(alice, "to room 1");
  }

  /**
   * The authorizer reads, on every host, the request's path, the client's address and its cookies.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void theAuthorizerSeesThePathTheAddressAndTheCookies() throws Exception {
    Queue<String> seen = new ConcurrentLinkedQueue<>();
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    int port = served().serve(ServerSetup.of(broadcaster).withStreamConfig(StreamConfig.builder().authorizer(request -> {
      seen.add(request.path() + " " + request.remoteAddress() + " " + request.cookie("session"));
      return Access.anyone();
    }).build()));

    open(port, "/events?topic=a", "Cookie: a=1; session=\"s 1\"");

    assertThat(seen).containsExactly("/events 127.0.0.1 s 1");
  }

  private static void assertRefused(RawSseClient client, int status, String reason) throws IOException {
    assertThat(client.awaitHead(DEADLINE)).isEqualTo(status);
    assertThat(client.response().header("Content-Type")).startsWith("text/plain");
    assertThat(client.awaitEnd(DEADLINE)).as("the refusal's body ends").isTrue();
    assertThat(client.body()).isEqualTo(reason + "\n");
  }

  private Broadcaster broadcaster(BroadcasterConfig.Builder config) {
    return served().broadcaster(Broadcasters.create(config.heartbeat(Duration.ZERO).build()));
  }

  private int serve(Broadcaster broadcaster) throws Exception {
    return served().serve(ServerSetup.of(broadcaster));
  }

  private RawSseClient send(int port, String path, String... headerLines) throws IOException {
    return served().send(port, RawSseClient.get(path, headerLines));
  }

  private RawSseClient open(int port, String path, String... headerLines) throws IOException {
    RawSseClient client = send(port, path, headerLines);
    assertThat(client.awaitHead(DEADLINE)).as("the status of " + path).isEqualTo(200);
    return client;
  }

  /** Reads up to the end marker, and checks that exactly these events came before it, in this order. */
  private static void assertUntilEnd(RawSseClient client, String... expected) throws IOException {
    client.awaitEvents(expected.length + 1, DEADLINE);
    List<String> all = client.parser().events().stream().map(MessageEvent::data).toList();
    List<String> wanted = new ArrayList<>(List.of(expected));
    wanted.add(END);
    assertThat(all).isEqualTo(wanted);
  }

  /** Reads up to the end marker, and returns the data of the events before it. */
  private static List<String> dataUntilEnd(RawSseClient client) throws IOException {
    List<MessageEvent> events = client.awaitEventsUntil(TopicScenarios::endsWithEnd, "the end marker", DEADLINE);
    return events.subList(0, events.size() - 1).stream().map(MessageEvent::data).toList();
  }

  private static boolean endsWithEnd(List<MessageEvent> events) {
    return !events.isEmpty() && events.get(events.size() - 1).data().equals(END);
  }

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  private static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }
}
