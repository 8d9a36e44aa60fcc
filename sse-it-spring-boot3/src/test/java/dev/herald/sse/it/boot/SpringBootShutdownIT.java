package dev.herald.sse.it.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.testkit.RawSseClient;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.time.Duration;
import java.util.ArrayList;
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
 * Stops {@link StreamingApp} as a host stops it: SIGTERM to the real process, on Tomcat and on Jetty, with Spring
 * Boot's default graceful shutdown, while a broadcaster stream and a single-client stream are open and both
 * producers run. Every stream must end with its terminating chunk, the process must exit within 5 s, and nothing
 * may be logged at WARN or above.
 */
class SpringBootShutdownIT {
  /** A line of Boot's default console format at WARN or ERROR: the date, then the level. */
  private static final Pattern WARN_OR_ERROR = level("WARN|ERROR");
  /** The same at INFO: the application logs some, which shows that the format is the one read here. */
  private static final Pattern INFO = level("INFO");
  /** The JVM's exit status after SIGTERM once its shutdown hooks ran: 128 + 15. */
  private static final int SIGTERM_EXIT = 143;

  private final ExecutorService readers = Executors.newCachedThreadPool();

  @AfterEach
  void stopReaders() throws InterruptedException {
    readers.shutdownNow();
    assertThat(readers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tomcat", "jetty"})
  @Timeout(120)
  void sigtermEndsEveryOpenStreamCleanlyAndExitsWithinFiveSeconds(String server) throws Exception {
    try (AppProcess app = AppProcess.start(server);
        RawSseClient events = RawSseClient.connect(app.awaitPort(Duration.ofSeconds(60)), 0);
        RawSseClient clock = RawSseClient.connect(app.awaitPort(Duration.ofSeconds(1)), 0)) {
      String container = server.equals("tomcat") ? "Tomcat" : "Jetty";
      assertThat(app.stdout()).as("the application runs on %s", container)
          .anyMatch(line -> line.contains(container + " started on port"));
      events.send(RawSseClient.get("/events"));
      clock.send(RawSseClient.get("/clock"));
      for (RawSseClient client : List.of(events, clock)) {
        assertThat(client.awaitHead(Duration.ofSeconds(10))).isEqualTo(200);
        assertThat(client.response().header("transfer-encoding")).isEqualTo("chunked");
        client.awaitEvents(10, Duration.ofSeconds(10)); // the producers run
      }

      long sigterm = System.nanoTime();
      app.sigterm();
      // Both clients go on reading, as a browser does, until their response ends.
      CompletableFuture<Boolean> eventsEnded = CompletableFuture.supplyAsync(
          () -> events.awaitEnd(Duration.ofSeconds(60)), readers);
      CompletableFuture<Boolean> clockEnded = CompletableFuture.supplyAsync(
          () -> clock.awaitEnd(Duration.ofSeconds(60)), readers);
      // Far past Boot's 30 s graceful shutdown timeout, so that a shutdown that hangs is reported with its length.
      boolean exited = app.awaitExit(Duration.ofSeconds(60));
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
      System.out.printf("[shutdown] %s: exited %d ms after SIGTERM%n", server, tookMillis);

      assertThat(exited).as("exited after SIGTERM\n%s", app.output()).isTrue();
      boolean eventsClean = eventsEnded.get(60, TimeUnit.SECONDS);
      boolean clockClean = clockEnded.get(60, TimeUnit.SECONDS);
      // Every check, so that a failure shows the whole of what went wrong.
      SoftAssertions.assertSoftly(soft -> {
        soft.assertThat(tookMillis).as("ms from SIGTERM to exit").isLessThan(5_000);
        soft.assertThat(app.exitValue()).as("exit status").isEqualTo(SIGTERM_EXIT);
        soft.assertThat(eventsClean).as("/events ended with its terminating chunk: %s", events.response()).isTrue();
        soft.assertThat(clockClean).as("/clock ended with its terminating chunk: %s", clock.response()).isTrue();
        soft.assertThat(events.parser().events().get(0).data()).isEqualTo("connected");
        soft.assertThat(dataOf(events.parser().events()).subList(1, events.parser().events().size()))
            .as("/events after its greeting").satisfies(SpringBootShutdownIT::consecutiveTicks);
        soft.assertThat(dataOf(clock.parser().events())).as("/clock").startsWith("tick 1")
            .satisfies(SpringBootShutdownIT::consecutiveTicks);
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

  private static Pattern level(String levels) {
    return Pattern.compile("^\\S+\\s+(" + levels + ")\\s");
  }

  private static List<String> dataOf(List<MessageEvent> events) {
    List<String> data = new ArrayList<>();
    events.forEach(event -> data.add(event.data()));
    return data;
  }

  /** Events queued before the end are delivered, none lost or repeated: tick n, n + 1, n + 2, ... */
  private static void consecutiveTicks(List<? extends String> data) {
    assertThat(data).isNotEmpty();
    long first = Long.parseLong(data.get(0).substring("tick ".length()));
    List<String> expected = new ArrayList<>();
    for (long n = first; n < first + data.size(); n++) {
      expected.add("tick " + n);
    }
    assertThat(data).isEqualTo(expected);
  }
}
