package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.examples.ExampleOptions.Transport;
import dev.herald.sse.testkit.HttpSseClient;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The example's topic routes on every transport, over real sockets: {@code /events?topic=}, {@code /publish},
 * private {@code users/{name}} topics behind {@code /login}, and {@code /stats?topic=}.
 */
class ExampleTopicsIT {
  private final HttpClient anonymous = client();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private ExampleServer server;

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** A client with its own cookie jar: one browser. */
  private static HttpClient client() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .cookieHandler(new CookieManager())
        .build();
  }

  private void start(Transport transport) throws Exception {
    server = ExampleServer.start(ExampleOptions.defaults().on(transport).withPort(0));
  }

  private URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
  }

  private HttpSseClient subscribe(HttpClient http, String query) throws Exception {
    HttpSseClient client = HttpSseClient.connect(http, uri("/events" + query), null);
    resources.add(client);
    assertThat(client.status()).isEqualTo(200);
    client.awaitEvents(1);
    return client;
  }

  private HttpSseClient subscribe(String query) throws Exception {
    return subscribe(anonymous, query);
  }

  private HttpResponse<String> get(HttpClient http, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return get(anonymous, path);
  }

  private HttpResponse<String> post(String path, byte[] body) throws Exception {
    return anonymous.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
            .header("Content-Type", "text/plain; charset=utf-8")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private void sent(HttpResponse<String> reply) {
    assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo("msg sent\n");
  }

  /** What a client heard after its greeting, each as {@code topic:msg}, or {@code *:data} for a broadcast. */
  private static List<String> heard(HttpSseClient client, int count) {
    return client.awaitEvents(count + 1).subList(1, count + 1).stream().map(ExampleTopicsIT::describe).toList();
  }

  private static String describe(MessageEvent event) {
    if (!event.type().equals(TopicRoutes.EVENT)) {
      return "*:" + event.data();
    }
    String data = event.data();
    int msg = data.indexOf("\",\"msg\":\"");
    return data.substring("{\"topic\":\"".length(), msg) + ":" + data.substring(msg + 9, data.length() - 2);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void eachStreamGetsExactlyItsTopicsOnceAndAStreamWithoutTopicsTheBroadcasts(Transport transport)
      throws Exception {
    start(transport);
    HttpSseClient red = subscribe("?topic=rooms/red");
    HttpSseClient blue = subscribe("?topic=rooms%2Fblue");
    HttpSseClient both = subscribe("?topic=rooms/red&topic=rooms/blue&topic=rooms/*");
    HttpSseClient everything = subscribe("");

    sent(get("/publish?topic=rooms/red&msg=r1"));
    sent(post("/publish?topic=rooms/blue", "b1".getBytes(StandardCharsets.UTF_8)));
    sent(get("/publish?topic=rooms/green&msg=g1"));
    sent(get("/events/all"));

    assertThat(heard(red, 2)).containsExactly("rooms/red:r1", "*:all");
    assertThat(heard(blue, 2)).containsExactly("rooms/blue:b1", "*:all");
    assertThat(heard(both, 4)).containsExactly("rooms/red:r1", "rooms/blue:b1", "rooms/green:g1", "*:all");
    assertThat(heard(everything, 1)).as("the seed's stream: every broadcast, no topic").containsExactly("*:all");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void theLastEventIdQueryParameterResumesATopicStreamWithItsOwnEventsOnly(Transport transport)
      throws Exception {
    start(transport);
    HttpSseClient red = subscribe("?topic=rooms/red");
    sent(get("/publish?topic=rooms/red&msg=r1"));
    String afterFirst = red.awaitEvents(2).get(1).lastEventId();
    sent(get("/publish?topic=rooms/blue&msg=b1"));
    sent(get("/publish?topic=rooms/red&msg=r2"));
    sent(get("/events/all"));

    HttpSseClient resumed = subscribe("?topic=rooms/red&lastEventId=" + afterFirst);

    assertThat(heard(resumed, 2)).containsExactly("rooms/red:r2", "*:all");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aBadTopicIsRefusedWith400AndTheReasonBeforeAnyByte(Transport transport) throws Exception {
    start(transport);

    RawResponse emptySegment = RawResponse.get(server.port(), "/events?topic=rooms//red");
    RawResponse tooMany = RawResponse.get(server.port(), "/events?" + IntStream.range(0, 65)
        .mapToObj(i -> "topic=t" + i).collect(Collectors.joining("&")));
    HttpResponse<String> pattern = get("/publish?topic=rooms/*&msg=x");
    HttpResponse<String> noTopic = get("/publish?msg=x");
    HttpResponse<String> statsOfPattern = get("/stats?topic=rooms/**");

    for (RawResponse refused : List.of(emptySegment, tooMany)) {
      assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
      assertThat(refused.head()).containsIgnoringCase("Content-Type: text/plain")
          .doesNotContainIgnoringCase("text/event-stream");
      assertThat(refused.body()).hasLineCount(1).doesNotContain("data:");
    }
    assertThat(emptySegment.body()).contains("empty segment");
    assertThat(tooMany.body()).contains("too many topics");
    for (HttpResponse<String> refused : List.of(pattern, noTopic, statsOfPattern)) {
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
      assertThat(refused.body()).hasLineCount(1);
    }
    assertThat(pattern.body()).contains("wildcard");
    assertThat(get("/stats").body()).startsWith("{\"clients\":0,\"clientsConnected\":0,");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aUsersTopicNeedsItsUsersCookie401Or403BeforeAnyByte(Transport transport) throws Exception {
    start(transport);
    HttpClient alice = client();
    assertThat(get(alice, "/login?user=alice").statusCode()).isEqualTo(200);
    String forged = "Cookie: " + UserCookies.COOKIE + "=bob.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n";

    RawResponse noCookie = RawResponse.get(server.port(), "/events?topic=users/bob");
    RawResponse forgedCookie = RawResponse.get(server.port(), "/events?topic=users/bob", forged);
    RawResponse everyUser = RawResponse.get(server.port(), "/events?topic=users/*");
    HttpResponse<String> aliceForBob = get(alice, "/events?topic=rooms/1&topic=users/bob");
    HttpResponse<String> aliceForAll = get(alice, "/events?topic=**");

    for (RawResponse refused : List.of(noCookie, forgedCookie, everyUser)) {
      assertThat(refused.status()).as(refused.toString()).isEqualTo(401);
      assertThat(refused.head()).doesNotContainIgnoringCase("text/event-stream");
      assertThat(refused.body()).startsWith("sign in first").hasLineCount(1);
    }
    for (HttpResponse<String> refused : List.of(aliceForBob, aliceForAll)) {
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("text/plain"));
      assertThat(refused.body()).contains("is not alice's topic").hasLineCount(1);
    }
    assertThat(get("/stats").body()).as("nobody was subscribed").startsWith("{\"clients\":0,\"clientsConnected\":0,");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aPublishToAUsersTopicReachesEveryTabOfThatUserAndNoOneElse(Transport transport) throws Exception {
    start(transport);
    HttpClient bob = client();
    HttpClient alice = client();
    HttpResponse<String> login = get(bob, "/login?user=bob");
    assertThat(login.headers().firstValue("Set-Cookie")).hasValueSatisfying(cookie -> assertThat(cookie)
        .startsWith(UserCookies.COOKIE + "=bob.").contains("HttpOnly").contains("SameSite=Strict"));
    get(alice, "/login?user=alice");
    HttpSseClient bobTab1 = subscribe(bob, "?topic=users/bob");
    HttpSseClient bobTab2 = subscribe(bob, "?topic=users/bob&topic=rooms/1");
    HttpSseClient aliceTab = subscribe(alice, "?topic=users/alice&topic=rooms/1");
    HttpSseClient roomOnly = subscribe("?topic=rooms/1");

    sent(post("/publish?topic=users/bob", "for bob".getBytes(StandardCharsets.UTF_8)));
    sent(get("/publish?topic=users/alice&msg=for+alice"));
    sent(get("/publish?topic=rooms/1&msg=room"));
    sent(get("/events/end")); // a broadcast after the rest: what a stream has not heard by then, it never will

    assertThat(heard(bobTab1, 2)).containsExactly("users/bob:for bob", "*:end");
    assertThat(heard(bobTab2, 3)).containsExactly("users/bob:for bob", "rooms/1:room", "*:end");
    assertThat(heard(aliceTab, 3)).containsExactly("users/alice:for alice", "rooms/1:room", "*:end");
    assertThat(heard(roomOnly, 2)).containsExactly("rooms/1:room", "*:end");
    assertThat(get("/stats?topic=users/bob").body()).isEqualTo("{\"topic\":\"users/bob\",\"subscribers\":2}\n");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void statsCountTopicsAndATopicsSubscribers(Transport transport) throws Exception {
    start(transport);
    subscribe("?topic=rooms/red&topic=rooms/*");
    subscribe("?topic=rooms/red");
    subscribe("");

    HttpResponse<String> stats = get("/stats");
    HttpResponse<String> red = get("/stats?topic=rooms/red");
    HttpResponse<String> several = get("/stats?topic=rooms/blue&topic=lobby");

    assertThat(stats.body()).startsWith("{\"clients\":3,").endsWith(",\"topics\":2}\n");
    assertThat(red.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(red.body()).isEqualTo("{\"topic\":\"rooms/red\",\"subscribers\":2}\n");
    assertThat(several.body())
        .isEqualTo("[{\"topic\":\"rooms/blue\",\"subscribers\":1},{\"topic\":\"lobby\",\"subscribers\":0}]\n");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void publishKeepsTheBodyLimitAndTheMethodRules(Transport transport) throws Exception {
    start(transport);
    HttpSseClient red = subscribe("?topic=rooms/red");

    HttpResponse<String> tooBig = post("/publish?topic=rooms/red", new byte[ExampleApp.MAX_BODY_BYTES + 1]);
    HttpResponse<String> delete = anonymous.send(HttpRequest.newBuilder(uri("/publish?topic=a"))
        .method("DELETE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> head = anonymous.send(HttpRequest.newBuilder(uri("/publish?topic=rooms/red&msg=x"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> loginHead = anonymous.send(HttpRequest.newBuilder(uri("/login?user=bob"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    sent(get("/publish?topic=rooms/red&msg=after"));

    assertThat(tooBig.statusCode()).isEqualTo(413);
    assertThat(delete.statusCode()).isEqualTo(405);
    assertThat(delete.headers().firstValue("Allow")).hasValue("GET, POST");
    assertThat(head.statusCode()).as("a HEAD publishes nothing").isEqualTo(405);
    assertThat(loginHead.statusCode()).isEqualTo(200);
    assertThat(loginHead.body()).isEmpty();
    assertThat(heard(red, 1)).containsExactly("rooms/red:after");
  }
}
