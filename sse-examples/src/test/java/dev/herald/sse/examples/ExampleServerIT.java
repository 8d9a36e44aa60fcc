package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.examples.ExampleOptions.Transport;
import dev.herald.sse.testkit.HttpSseClient;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The example server on every transport, over real sockets, through the routes a newcomer uses. */
class ExampleServerIT {
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
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

  private void start(Transport transport) throws Exception {
    server = ExampleServer.start(ExampleOptions.defaults().on(transport).withPort(0));
  }

  private URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
  }

  private HttpSseClient subscribe() throws Exception {
    return subscribe(null);
  }

  private HttpSseClient subscribe(String lastEventId) throws Exception {
    HttpSseClient client = HttpSseClient.connect(http, uri("/events"), lastEventId);
    resources.add(client);
    client.awaitEvents(1);
    return client;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> post(String path, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
            .header("Content-Type", "text/plain; charset=utf-8")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static String encode(String message) {
    return URLEncoder.encode(message, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void streamOpensWithTheSeedsGreetingAndTheRightHeaders(Transport transport) throws Exception {
    start(transport);

    HttpSseClient client = subscribe();

    assertThat(client.status()).isEqualTo(200);
    assertThat(client.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("text/event-stream"));
    assertThat(client.headers().firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(client.headers().firstValue("Content-Length")).isEmpty();
    assertThat(client.events()).containsExactly(new MessageEvent("message", "connected", ""));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void messageFromThePathReachesEverySubscriberInTheSameOrder(Transport transport) throws Exception {
    start(transport);
    HttpSseClient first = subscribe();
    HttpSseClient second = HttpSseClient.connect(http, uri("/events/"), null);
    resources.add(second);
    second.awaitEvents(1);

    for (int i = 1; i <= 10; i++) {
      HttpResponse<String> reply = i % 2 == 0
          ? get("/events/message%20" + i)
          : post("/events", ("message " + i).getBytes(StandardCharsets.UTF_8));
      assertThat(reply.statusCode()).isEqualTo(200);
      assertThat(reply.body()).isEqualTo("msg sent\n");
    }

    List<MessageEvent> events = first.awaitEvents(11);
    assertThat(events.subList(1, 11)).extracting(MessageEvent::data)
        .containsExactly("message 1", "message 2", "message 3", "message 4", "message 5", "message 6", "message 7",
            "message 8", "message 9", "message 10");
    long firstId = Long.parseLong(events.get(1).lastEventId());
    assertThat(firstId).as("ids from the clock, so that a restart never reuses one")
        .isGreaterThan(System.currentTimeMillis() * 1000 - 3_600_000_000L);
    assertThat(events.subList(1, 11)).extracting(e -> Long.parseLong(e.lastEventId()) - firstId)
        .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(second.awaitEvents(11)).isEqualTo(events);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void lineBreaksUnicodeAndLeadingSpacesArriveIntact(Transport transport) throws Exception {
    start(transport);
    HttpSseClient client = subscribe();

    get("/events/" + encode("line one\nline two\rline three\r\nline four"));
    post("/events", "posted\r\nlines\n".getBytes(StandardCharsets.UTF_8));
    get("/events/" + encode("café € 😀 ünïcödé"));
    post("/events", "日本語のテキスト".getBytes(StandardCharsets.UTF_8));
    get("/events/" + encode("  two leading spaces"));
    get("/events/a+b%2Fc");

    assertThat(client.awaitEvents(7).subList(1, 7)).extracting(MessageEvent::data).containsExactly(
        "line one\nline two\nline three\nline four",
        "posted\nlines\n",
        "café € 😀 ünïcödé",
        "日本語のテキスト",
        "  two leading spaces",
        "a+b/c");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void reconnectingWithLastEventIdReplaysWhatWasMissed(Transport transport) throws Exception {
    start(transport);
    HttpSseClient before = subscribe();
    for (int i = 1; i <= 5; i++) {
      get("/events/event%20" + i);
    }
    List<MessageEvent> seen = before.awaitEvents(6);

    HttpSseClient resumed = subscribe(seen.get(2).lastEventId()); // the id of "event 2"
    get("/events/event%206");

    assertThat(resumed.awaitEvents(5)).extracting(MessageEvent::data)
        .containsExactly("connected", "event 3", "event 4", "event 5", "event 6");
    long base = Long.parseLong(seen.get(1).lastEventId()) - 1;
    assertThat(resumed.events()).extracting(e -> e.lastEventId().isEmpty() ? "" : Long.toString(
        Long.parseLong(e.lastEventId()) - base)).containsExactly("", "3", "4", "5", "6");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void reconnectingWithAnIdTheServerNeverSawGetsAReset(Transport transport) throws Exception {
    start(transport);

    HttpSseClient resumed = subscribe("41"); // as after a server restart: this server has no event 41

    assertThat(resumed.awaitEvents(2)).containsExactly(
        new MessageEvent("message", "connected", ""), new MessageEvent("reset", "", ""));
  }

  /**
   * A client that sends a body over the limit anyway hears its {@code 413} every time: the server reads and drops
   * the rest rather than close the connection with it unread, which resets the connection and can destroy the
   * answer before the client reads it (on Jetty and WebFlux about one such request in twenty failed with no
   * answer). A client that waits for {@code 100 Continue} is refused unsent: {@link ExampleAbuseIT}.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aBodyOverTheLimitIsAnsweredEveryTime(Transport transport) throws Exception {
    start(transport);
    byte[] tooBig = new byte[ExampleApp.MAX_BODY_BYTES + 1];

    for (int attempt = 1; attempt <= 40; attempt++) {
      assertThat(post("/events", tooBig).statusCode()).as("attempt %d", attempt).isEqualTo(413);
    }
    assertThat(get("/events/still%20served").statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void malformedInputIsRefusedAndTheStreamsCarryOn(Transport transport) throws Exception {
    start(transport);
    HttpSseClient client = subscribe();

    RawResponse badEscape = RawResponse.get(server.port(), "/events/100%zz");
    RawResponse truncated = RawResponse.get(server.port(), "/events/50%");
    RawResponse badUtf8 = RawResponse.get(server.port(), "/events/%C3%28");
    HttpResponse<String> tooBig = post("/events", new byte[ExampleApp.MAX_BODY_BYTES + 1]);
    HttpResponse<String> ok = get("/events/still%20here");

    for (RawResponse bad : List.of(badEscape, truncated, badUtf8)) {
      // The example answers with its own reason; Jetty and Tomcat refuse some of these before any servlet runs,
      // with their reason, which the example also turns into one plain-text line.
      assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
      assertThat(bad.head()).as(bad.toString()).containsIgnoringCase("Content-Type: text/plain");
      assertThat(bad.body()).as(bad.toString()).isNotBlank().hasLineCount(1);
      if (transport == Transport.NETTY) {
        assertThat(bad.body()).startsWith("malformed percent-encoding");
      }
    }
    assertThat(tooBig.statusCode()).isEqualTo(413);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(client.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("connected", "still here");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void statsCountClientsAndEvents(Transport transport) throws Exception {
    start(transport);
    subscribe();
    subscribe();
    get("/events/one");
    get("/events/two");

    HttpResponse<String> stats = get("/stats");

    assertThat(stats.statusCode()).isEqualTo(200);
    assertThat(stats.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(stats.body()).startsWith("{\"clients\":2,\"clientsConnected\":2,\"eventsBroadcast\":2,");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void pageAndUnknownRoutes(Transport transport) throws Exception {
    start(transport);

    HttpResponse<String> page = get("/");
    HttpResponse<String> missing = get("/nowhere");
    HttpResponse<String> wrongMethod = http.send(HttpRequest.newBuilder(uri("/events"))
        .method("DELETE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.body()).contains("new EventSource(\"/events\")");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET, HEAD, POST");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void headOnTheStreamAnswersAtOnceAndSubscribesNobody(Transport transport) throws Exception {
    start(transport);

    for (int i = 0; i < 3; i++) {
      // With a leaked subscriber the response never ended, so each of these timed out.
      HttpResponse<String> head = http.send(HttpRequest.newBuilder(uri("/events")).timeout(Duration.ofSeconds(10))
          .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("text/event-stream"));
      assertThat(head.body()).isEmpty();
    }

    assertThat(get("/stats").body()).startsWith("{\"clients\":0,\"clientsConnected\":0,");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void closingTheServerEndsEveryStreamCleanly(Transport transport) throws Exception {
    start(transport);
    HttpSseClient client = subscribe();
    get("/events/bye");
    client.awaitEvents(2);

    server.close();
    server = null;

    client.awaitEnded();
    assertThat(client.data()).containsExactly("connected", "bye");
  }
}
