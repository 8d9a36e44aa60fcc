package dev.herald.sse.it.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.testkit.RawSseClient;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

      Sigterm.endsEveryStreamAndExits(app, server, Map.of("/events", events, "/clock", clock), soft -> {
        soft.assertThat(events.parser().events().get(0).data()).isEqualTo("connected");
        soft.assertThat(dataOf(events.parser().events()).subList(1, events.parser().events().size()))
            .as("/events after its greeting").satisfies(SpringBootShutdownIT::consecutiveTicks);
        soft.assertThat(dataOf(clock.parser().events())).as("/clock").startsWith("tick 1")
            .satisfies(SpringBootShutdownIT::consecutiveTicks);
      });
    }
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
