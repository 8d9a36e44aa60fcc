package dev.herald.sse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
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
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * long a name answered {@code 400} with the reason before any stream byte, subscribing nothing; a replay from the
 * {@code lastEventId} query parameter that holds the client's topics only; an
 * {@link dev.herald.sse.core.Authorizer}'s {@code 401} and
 * {@code 403} before any stream byte; a send to a user that reaches exactly that user's streams; and the request's
 * path, address and cookies as each host gives them to the authorizer.
 */
public abstract class TopicScenarios extends HostedSuite {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
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

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  private static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }
}
