package dev.herald.sse.it.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.it.boot.AppProcess;
import dev.herald.sse.testkit.RawSseClient;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link StarterApp}, which has no Herald code but a controller that broadcasts, run as a real process on Tomcat, on
 * Jetty (Spring MVC) and on Reactor Netty (Spring WebFlux, without Spring MVC on the class path): {@code /events} streams with the configured greeting and heartbeat, a client that reconnects with
 * {@code Last-Event-ID} gets what it missed, the actuator shows the meters and the health, and SIGTERM with the
 * streams open ends each with its terminating chunk and exits within 5 s, with nothing logged at WARN.
 */
class StarterIT {
  /** A line of Boot's default console format at WARN or ERROR: the date, then the level. */
  private static final Pattern WARN_OR_ERROR = level("WARN|ERROR");
  /** The same at INFO: the application logs some, which shows that the format is the one read here. */
  private static final Pattern INFO = level("INFO");
  /** The JVM's exit status after SIGTERM once its shutdown hooks ran: 128 + 15. */
  private static final int SIGTERM_EXIT = 143;
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final ExecutorService readers = Executors.newCachedThreadPool();

  @AfterEach
  void stopReaders() throws InterruptedException {
    readers.shutdownNow();
    assertThat(readers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

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
      long sigterm = System.nanoTime();
      app.sigterm();
      CompletableFuture<Boolean> firstEnded = CompletableFuture.supplyAsync(() -> first.awaitEnd(WAIT), readers);
      CompletableFuture<Boolean> resumedEnded = CompletableFuture.supplyAsync(() -> resumed.awaitEnd(WAIT), readers);
      boolean exited = app.awaitExit(Duration.ofSeconds(60));
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
      System.out.printf("[shutdown] %s: exited %d ms after SIGTERM%n", server, tookMillis);

      assertThat(exited).as("exited after SIGTERM\n%s", app.output()).isTrue();
      boolean firstClean = firstEnded.get(60, TimeUnit.SECONDS);
      boolean resumedClean = resumedEnded.get(60, TimeUnit.SECONDS);
      SoftAssertions.assertSoftly(soft -> {
        soft.assertThat(tookMillis).as("ms from SIGTERM to exit").isLessThan(5_000);
        soft.assertThat(app.exitValue()).as("exit status").isEqualTo(SIGTERM_EXIT);
        soft.assertThat(firstClean).as("the first stream ended with its terminating chunk: %s", first.response())
            .isTrue();
        soft.assertThat(resumedClean).as("the resumed stream ended with its terminating chunk: %s",
            resumed.response()).isTrue();
        soft.assertThat(app.stdout()).as("Boot's graceful shutdown found no request in flight")
            .anyMatch(line -> line.contains("Graceful shutdown complete"))
            .noneMatch(line -> line.contains("Graceful shutdown aborted"));
        soft.assertThat(app.stdout()).as("log lines at WARN or above")
            .anyMatch(line -> INFO.matcher(line).find())
            .noneMatch(line -> WARN_OR_ERROR.matcher(line).find());
        soft.assertThat(app.stderr()).as("standard error").isEmpty();
      });
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

  private static Pattern level(String levels) {
    return Pattern.compile("^\\S+\\s+(" + levels + ")\\s");
  }
}
