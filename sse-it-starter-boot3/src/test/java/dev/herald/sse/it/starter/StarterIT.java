package dev.herald.sse.it.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.it.boot.AppProcess;
import dev.herald.sse.it.boot.Sigterm;
import dev.herald.sse.testkit.RawSseClient;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link StarterApp}, which has no Herald code but a controller that broadcasts, run as a real process on Tomcat, on
 * Jetty (Spring MVC) and on Reactor Netty (Spring WebFlux, without Spring MVC on the class path): {@code /events}
 * streams with the configured greeting and heartbeat, a client that reconnects with {@code Last-Event-ID} gets what
 * it missed, the actuator shows the meters and the health, and SIGTERM with the streams open ends each with its
 * terminating chunk and exits within 5 s, with nothing logged at WARN ({@link Sigterm}). {@link StarterJarIT} runs
 * the application from its executable jar.
 */
class StarterIT {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tomcat", "jetty", "netty"})
  @Timeout(180)
  void theStarterServesMeasuresAndStopsAnApplicationWithNoHeraldCode(String server) throws Exception {
    try (AppProcess app = AppProcess.start(server, StarterApp.class.getName());
        RawSseClient first = RawSseClient.connect(app.awaitPort(Duration.ofSeconds(60)), 0);
        RawSseClient resumed = RawSseClient.connect(app.awaitPort(Duration.ofSeconds(1)), 0)) {
      int port = app.awaitPort(Duration.ofSeconds(1));
      Http http = new Http(port);
      String container = switch (server) {
        case "tomcat" -> "Tomcat";
        case "jetty" -> "Jetty";
        default -> "Netty";
      };
      assertThat(app.stdout()).as("the application runs on %s", container)
          .anyMatch(line -> line.contains(container + " started on port"));

      // The greeting (herald.sse.greeting=connected), then the heartbeat (herald.sse.heartbeat=300ms) while idle.
      first.send(RawSseClient.get("/events"));
      assertThat(first.awaitHead(WAIT)).isEqualTo(200);
      assertThat(first.response().header("content-type")).startsWith("text/event-stream");
      assertThat(first.response().header("transfer-encoding")).isEqualTo("chunked");
      assertThat(first.awaitEvents(1, WAIT)).extracting(MessageEvent::data).containsExactly("connected");
      awaitComment(first, "ping");

      // Three broadcasts from the application's controller, with ids (on by default in the starter).
      for (String message : List.of("one", "two", "three")) {
        HttpResponse<String> sent = http.post("/send/" + message);
        assertThat(sent.statusCode()).isEqualTo(200);
        assertThat(sent.body()).isEqualTo("sent to 1 clients\n");
      }
      List<MessageEvent> events = first.awaitEvents(4, WAIT);
      assertThat(events).extracting(MessageEvent::data).containsExactly("connected", "one", "two", "three");
      String afterOne = events.get(1).lastEventId();
      assertThat(afterOne).isNotEmpty();

      // A client that saw "one" reconnects: the greeting, then what it missed, in order.
      resumed.send(RawSseClient.get("/events", "Last-Event-ID: " + afterOne));
      assertThat(resumed.awaitHead(WAIT)).isEqualTo(200);
      assertThat(resumed.awaitEvents(3, WAIT)).extracting(MessageEvent::data)
          .containsExactly("connected", "two", "three");
      assertThat(resumed.parser().lastEventId()).isEqualTo(events.get(3).lastEventId());

      // The meters, through the actuator, tagged with herald.sse.name=chat.
      http.awaitMetric("herald.sse.clients", "VALUE", 2, "broadcaster:chat");
      assertThat(http.metric("herald.sse.clients.connected", "COUNT")).isEqualTo(2);
      assertThat(http.metric("herald.sse.events.broadcast", "COUNT")).isEqualTo(3);
      assertThat(http.metric("herald.sse.replays", "COUNT", "outcome:hit")).isEqualTo(1);
      assertThat(http.metric("herald.sse.replays", "COUNT", "outcome:miss")).isZero();
      assertThat(http.metric("herald.sse.heartbeats", "COUNT")).isPositive();
      assertThat(http.metric("herald.sse.backplane.up", "VALUE")).isEqualTo(1);
      assertThat(http.metric("herald.sse.delivery.delay", "COUNT")).as("the first live event of the first client")
          .isGreaterThanOrEqualTo(1);
      assertThat(http.metric("herald.sse.delivery.delay", "TOTAL_TIME")).isPositive();

      HttpResponse<String> health = http.get("/actuator/health");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(Http.healthComponent(health.body(), "herald")).contains("\"status\":\"UP\"")
          .contains("\"broadcaster\":\"chat\"").contains("\"clients\":2");

      // SIGTERM, with both streams open and no shutdown code in the application.
      Sigterm.endsEveryStreamAndExits(app, server,
          Map.of("the first stream", first, "the resumed stream", resumed));
    }
  }

  /** Reads until the stream has carried this comment, as a heartbeat does when the stream is idle. */
  private static void awaitComment(RawSseClient client, String comment) throws IOException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!client.parser().comments().contains(comment)) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("no \": " + comment + "\" within " + WAIT + ": " + client.body());
      }
      if (client.readSome(4096) < 0) {
        throw new AssertionError("the stream ended before \": " + comment + "\": " + client.body());
      }
    }
  }
}
