package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.examples.ExampleOptions.Transport;
import dev.herald.sse.redis.testing.RedisServer;
import dev.herald.sse.testkit.HttpSseClient;
import dev.herald.sse.testkit.LogCapture;
import dev.herald.sse.testkit.Probes;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two example servers started with the same {@code --redis} (one on Netty, one on Jetty) behave, as far as a
 * client can tell, like one server: broadcast on either, publish to a topic on either, resume on either.
 */
class ExampleClusterIT {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private RedisServer redis;
  private ExampleServer a;
  private ExampleServer b;

  @BeforeEach
  void start() throws Exception {
    redis = RedisServer.start(false);
    ExampleOptions options = ExampleOptions.defaults().withPort(0).withRedis(redis.uri());
    a = ExampleServer.start(options.on(Transport.NETTY));
    resources.add(a);
    b = ExampleServer.start(options.on(Transport.JETTY));
    resources.add(b);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    redis.close();
  }

  private static URI uri(ExampleServer server, String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private HttpSseClient subscribe(ExampleServer server, String lastEventId) throws Exception {
    HttpSseClient client = HttpSseClient.connect(http, uri(server, "/events"), lastEventId);
    resources.add(client);
    client.awaitEvents(1);
    return client;
  }

  /** Opens a stream of these topics ({@code ?topic=NAME&...}) on a node and waits for its greeting. */
  private HttpSseClient subscribeTo(ExampleServer server, String topicQuery) throws Exception {
    HttpSseClient client = HttpSseClient.connect(http, uri(server, "/events" + topicQuery), null);
    resources.add(client);
    assertThat(client.status()).isEqualTo(200);
    client.awaitEvents(1);
    return client;
  }

  /** The data a client received after its greeting, up to and with the event {@code last}. */
  private static List<String> through(HttpSseClient client, String last) {
    Probes.await(DEADLINE, () -> client.data().contains(last),
        () -> "did not receive " + last + "; got " + client.data());
    List<String> data = client.data();
    return data.subList(1, data.indexOf(last) + 1);
  }

  private HttpResponse<String> get(ExampleServer server, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> post(ExampleServer server, String body) throws Exception {
    return post(server, "/events", body);
  }

  private HttpResponse<String> post(ExampleServer server, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Test
  void broadcastOnEitherNodeReachesTheClientsOfBothWithTheSameIds() throws Exception {
    HttpSseClient onA = subscribe(a, null);
    HttpSseClient onB = subscribe(b, null);

    assertThat(get(a, "/events/hello%20from%20a").body()).isEqualTo("msg sent\n");
    onA.awaitEvents(2); // so that the order of the two broadcasts is known
    assertThat(post(b, "hello from b").body()).isEqualTo("msg sent\n");

    List<MessageEvent> seenOnA = onA.awaitEvents(3);
    List<MessageEvent> seenOnB = onB.awaitEvents(3);
    assertThat(seenOnA).isEqualTo(seenOnB);
    assertThat(onA.data()).containsExactly("connected", "hello from a", "hello from b");
    assertThat(seenOnA.get(1).lastEventId()).matches("\\d+-\\d+");
    assertThat(get(b, "/stats").body()).contains("\"eventsBroadcast\":2,").contains("\"backplaneDown\":false,");
  }

  @Test
  void aPublishOnOneNodeReachesItsTopicsClientsOnBothNodesOnceAndNoOtherClient() throws Exception {
    HttpSseClient room7OnB = subscribeTo(b, "?topic=rooms/7");
    HttpSseClient room8OnB = subscribeTo(b, "?topic=rooms/8");
    HttpSseClient room7OnA = subscribeTo(a, "?topic=rooms/7");

    // Published on a: b hears of it only through the Redis stream, with the topic the entry carries.
    assertThat(get(a, "/publish?topic=rooms/7&msg=first").body()).isEqualTo("msg sent\n");
    assertThat(post(a, "/publish?topic=rooms/7", "second").body()).isEqualTo("msg sent\n");
    room7OnB.awaitEvents(3); // both are in the stream before the end marker, which b routes after them
    assertThat(get(a, "/events/end").body()).isEqualTo("msg sent\n");

    String first = "{\"topic\":\"rooms/7\",\"msg\":\"first\"}";
    String second = "{\"topic\":\"rooms/7\",\"msg\":\"second\"}";
    assertThat(through(room7OnB, "end")).containsExactly(first, second, "end");
    assertThat(through(room7OnA, "end")).as("on the publishing node too, once").containsExactly(first, second, "end");
    assertThat(through(room8OnB, "end")).as("another topic's client hears neither").containsExactly("end");
    assertThat(room7OnB.events().get(1).type()).isEqualTo(TopicRoutes.EVENT);
    assertThat(room7OnB.events().get(1).lastEventId()).isEqualTo(room7OnA.events().get(1).lastEventId())
        .matches("\\d+-\\d+");
  }

  @Test
  void clientThatReconnectsToTheOtherNodeResumesWhereItLeftOff() throws Exception {
    HttpSseClient onA = subscribe(a, null);
    get(a, "/events/one");
    get(b, "/events/two");
    List<MessageEvent> seen = onA.awaitEvents(3);
    onA.close();
    get(a, "/events/three"); // missed while away
    get(b, "/events/four");
    Probes.await(DEADLINE, () -> b.app().broadcaster().stats().eventsBroadcast() == 4,
        () -> "b did not deliver four events");

    HttpSseClient onB = subscribe(b, seen.get(2).lastEventId());
    get(a, "/events/five");

    onB.awaitEvents(4);
    assertThat(onB.data()).containsExactly("connected", "three", "four", "five");
    HttpSseClient backOnA = subscribe(a, onB.events().get(3).lastEventId());
    get(b, "/events/six");
    backOnA.awaitEvents(2);
    assertThat(backOnA.data()).containsExactly("connected", "six");
  }

  @Test
  void broadcastIsAnsweredFromRedissAcknowledgementSo503AtOnceWhenRedisIsGone() throws Exception {
    assertThat(get(a, "/events/acknowledged").statusCode()).isEqualTo(200);

    try (LogCapture logs = LogCapture.install()) {
      redis.kill();
      // Answered from the acknowledgement: none comes, so no "msg sent", even before the node knows Redis is gone.
      HttpResponse<String> onNetty = get(a, "/events/lost");
      HttpResponse<String> onJetty = post(b, "lost too");

      for (HttpResponse<String> reply : List.of(onNetty, onJetty)) {
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(503);
        assertThat(reply.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(reply.body()).startsWith("not acknowledged by Redis");
      }
      assertThat(logs.warnings()).as("the publisher was told; the log does not repeat it per broadcast")
          .noneMatch(line -> line.contains("a broadcast was not published"));
    }
  }
}
