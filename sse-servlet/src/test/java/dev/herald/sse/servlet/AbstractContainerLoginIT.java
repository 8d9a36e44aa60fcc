package dev.herald.sse.servlet;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.Access;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.SseRequest;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.testkit.Probes;
import dev.herald.sse.testkit.RawSseClient;
import dev.herald.sse.testkit.TestServer;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The container's own login reaches the {@link dev.herald.sse.core.Authorizer}: the container checks HTTP Basic
 * credentials against its realm (no path requires them), and an authorizer grants each user, by
 * {@link SseRequest#principal()}'s name, its own topic {@code users/NAME}. Each subclass runs the tests on its
 * container, with {@link SseServlet} at {@code /events}; the clients are raw sockets, so a refusal's bytes are all
 * there is to read.
 */
abstract class AbstractContainerLoginIT {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final Map<String, String> PASSWORDS = Map.of("bob", "bob's secret", "alice", "alice's secret");
  private static final String END = "end";

  private final List<RawSseClient> clients = new ArrayList<>();
  private Broadcaster broadcaster;
  private TestServer server;

  /** Starts the container under test, checking Basic credentials against these users; no path requires them. */
  abstract TestServer start(Map<String, HttpServlet> servlets, Map<String, String> passwords) throws Exception;

  /** Grants the user the container authenticated the rooms and its own topic; refuses a request with no user. */
  private static Access byPrincipal(SseRequest request) {
    Principal user = request.principal();
    if (user == null) {
      return Access.unauthorized("sign in first").withChallenge("Basic realm=\"" + Containers.REALM + "\"");
    }
    return Access.grant(user.getName(), List.of("rooms/*", "users/" + user.getName()));
  }

  @BeforeEach
  void startServer() throws Exception {
    broadcaster = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO).build());
    StreamConfig config = StreamConfig.builder().authorizer(AbstractContainerLoginIT::byPrincipal).build();
    server = start(Map.of("/events", new SseServlet(broadcaster, config)), PASSWORDS);
  }

  @AfterEach
  void stopServer() throws Exception {
    clients.forEach(RawSseClient::close);
    broadcaster.close();
    server.stop();
  }

  @Test
  void aSignedInUsersStreamGetsItsOwnTopicAndNotAnotherUsers() throws Exception {
    RawSseClient bob = open("/events?topic=users/bob&topic=rooms/1", "bob", "bob's secret");
    RawSseClient alice = open("/events?topic=users/alice", "alice", "alice's secret");
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 2, () -> "clients: " + broadcaster.clientCount());

    broadcaster.publish("users/bob", Data.of("bob's topic"));
    broadcaster.publish("users/alice", Data.of("alice's topic"));
    broadcaster.sendTo("bob", Data.of("sent to bob")); // the identity is the principal's name
    broadcaster.publish("rooms/1", Data.of("room 1"));
    broadcaster.broadcast(Data.of(END));

    assertUntilEnd(bob, "bob's topic", "sent to bob", "room 1");
    assertUntilEnd(alice, "alice's topic");
  }

  @Test
  void aRequestWithoutCredentialsIsRefusedWith401BeforeAnyStreamByte() throws Exception {
    RawSseClient anonymous = send(RawSseClient.get("/events?topic=rooms/1"));
    RawSseClient wrongPassword = send(RawSseClient.get("/events?topic=rooms/1", basic("bob", "a guess")));

    assertRefused(anonymous, 401, "sign in first");
    assertThat(anonymous.response().header("WWW-Authenticate")).isEqualTo("Basic realm=\"events\"");
    // Refused by the authorizer (Jetty: the container found no user) or by the container itself (Tomcat: bad
    // credentials are its own 401): either way, no stream.
    assertThat(wrongPassword.awaitHead(DEADLINE)).isEqualTo(401);
    assertThat(Objects.toString(wrongPassword.response().header("Content-Type"), "none"))
        .doesNotStartWith("text/event-stream");
    assertThat(broadcaster.stats().clientsConnected()).isZero();
  }

  @Test
  void anotherUsersTopicIsRefusedWith403BeforeAnyStreamByte() throws Exception {
    RawSseClient bob = send(RawSseClient.get("/events?topic=rooms/1&topic=users/alice", basic("bob", "bob's secret")));

    assertRefused(bob, 403, "this stream may not have the topic users/alice");
    assertThat(broadcaster.stats().clientsConnected()).isZero();
    assertThat(broadcaster.publish("rooms/1", Data.of("to nobody"))).isZero();
  }

  private static String basic(String user, String password) {
    return "Authorization: Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(UTF_8));
  }

  private RawSseClient send(String request) throws IOException {
    RawSseClient client = RawSseClient.connect(server.port(), 0);
    clients.add(client);
    return client.send(request);
  }

  private RawSseClient open(String path, String user, String password) throws IOException {
    RawSseClient client = send(RawSseClient.get(path, basic(user, password)));
    assertThat(client.awaitHead(DEADLINE)).as(user + "'s " + path).isEqualTo(200);
    return client;
  }

  private static void assertRefused(RawSseClient client, int status, String reason) throws IOException {
    assertThat(client.awaitHead(DEADLINE)).isEqualTo(status);
    assertThat(client.response().header("Content-Type")).startsWith("text/plain");
    assertThat(client.awaitEnd(DEADLINE)).as("the refusal's body ends").isTrue();
    assertThat(client.body()).isEqualTo(reason + "\n");
  }

  /** Reads up to the end marker, and checks that exactly these events came before it, in this order. */
  private static void assertUntilEnd(RawSseClient client, String... expected) throws IOException {
    client.awaitEvents(expected.length + 1, DEADLINE);
    List<String> all = client.parser().events().stream().map(MessageEvent::data).toList();
    List<String> wanted = new ArrayList<>(List.of(expected));
    wanted.add(END);
    assertThat(all).isEqualTo(wanted);
  }
}
