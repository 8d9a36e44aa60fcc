package dev.herald.sse.it.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.it.boot.AppProcess;
import dev.herald.sse.it.boot.Sigterm;
import dev.herald.sse.testkit.RawSseClient;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link StarterApp} as it ships: the executable jar that Spring Boot's Maven plugin makes in this module's package
 * phase, started with {@code java -jar} as a real process. Two clients stream {@code /events} while a producer
 * broadcasts through the application's controller, then SIGTERM: each stream ends with its terminating chunk after
 * every broadcast, in order, and the process exits within 5 s with nothing logged at WARN ({@link Sigterm}).
 *
 * <p>On Tomcat, Boot's default and the server of the one jar the module makes: what the jar changes (Boot's launcher
 * and its class loader over nested jars, the shutdown hook it runs under) is the same on every server, and
 * {@link StarterIT} stops the application on each of them.
 */
class StarterJarIT {
  private static final String SERVER = "tomcat";
  private static final int MESSAGES = 100;
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  @Timeout(180)
  void theExecutableJarDeliversEveryBroadcastInOrderThenEndsItsStreamsOnSigterm() throws Exception {
    List<String> libraries = new ArrayList<>();
    try (ZipFile jar = new ZipFile(AppProcess.jar(SERVER).toFile())) {
      jar.stream().map(ZipEntry::getName).filter(name -> name.startsWith("BOOT-INF/lib/")).forEach(libraries::add);
    }
    assertThat(libraries).as("the jar's libraries: Tomcat's, and no other server's")
        .anyMatch(name -> name.startsWith("BOOT-INF/lib/tomcat-embed-core-"))
        .noneMatch(name -> name.contains("jetty") || name.contains("reactor-netty"));

    try (AppProcess app = AppProcess.startJar(SERVER);
        RawSseClient first = RawSseClient.connect(app.awaitPort(Duration.ofSeconds(60)), 0);
        RawSseClient second = RawSseClient.connect(app.awaitPort(Duration.ofSeconds(1)), 0)) {
      String jar = AppProcess.jar(SERVER).getFileName().toString();
      assertThat(app.stdout()).as("the application runs from %s, on Tomcat", jar)
          .anyMatch(line -> line.contains("Starting StarterApp") && line.contains(jar))
          .anyMatch(line -> line.contains("Tomcat started on port"));
      for (RawSseClient client : List.of(first, second)) {
        client.send(RawSseClient.get("/events"));
        assertThat(client.awaitHead(WAIT)).isEqualTo(200);
        assertThat(client.awaitEvents(1, WAIT)).extracting(MessageEvent::data).containsExactly("connected");
      }

      // The producer: broadcasts through the controller, each one acknowledged before the next, and SIGTERM right
      // after the last, whether or not the clients have read them yet.
      Http http = new Http(app.awaitPort(Duration.ofSeconds(1)));
      List<String> expected = new ArrayList<>(List.of("connected"));
      for (int i = 1; i <= MESSAGES; i++) {
        HttpResponse<String> sent = http.post("/send/" + i);
        assertThat(sent.statusCode()).isEqualTo(200);
        assertThat(sent.body()).isEqualTo("sent to 2 clients\n");
        expected.add(Integer.toString(i));
      }

      Sigterm.endsEveryStreamAndExits(app, SERVER, Map.of("the first stream", first, "the second stream", second),
          soft -> {
            soft.assertThat(first.parser().events()).as("the first stream's events").extracting(MessageEvent::data)
                .containsExactlyElementsOf(expected);
            soft.assertThat(second.parser().events()).as("the second stream's events")
                .extracting(MessageEvent::data).containsExactlyElementsOf(expected);
          });
    }
  }
}
