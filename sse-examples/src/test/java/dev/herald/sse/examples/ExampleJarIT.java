package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.testkit.HttpSseClient;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runnable jar as a newcomer meets it: {@code java -jar sse-examples/target/sse-examples.jar}, one line that
 * says where to point a browser, and a clean end on SIGTERM.
 */
class ExampleJarIT {
  private static final Path JAR = Path.of("target", "sse-examples.jar");
  private static final Pattern URL = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+/)");

  private static Process java(String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String[] command = new String[args.length + 3];
    command[0] = java;
    command[1] = "-jar";
    command[2] = JAR.toString();
    System.arraycopy(args, 0, command, 3, args.length);
    return new ProcessBuilder(command).redirectErrorStream(false).start();
  }

  @ParameterizedTest
  @ValueSource(strings = {"netty", "jetty", "tomcat"})
  void jarPrintsWhereToGoServesAndEndsStreamsCleanlyOnSigterm(String transport) throws Exception {
    assertThat(JAR).as("built by the package phase").exists();
    Process process = java("--transport", transport, "--port", "0");
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      assertThat(process.getErrorStream().available()).as("nothing else on the console at start").isZero();
      assertThat(first).as("the first line names the transport and the URL").contains("(" + transport + ")");
      Matcher url = URL.matcher(first);
      assertThat(url.find()).as(first).isTrue();

      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      try (HttpSseClient client = HttpSseClient.connect(http, URI.create(url.group(1) + "events"), null)) {
        client.awaitEvents(1);
        HttpResponse<String> sent = http.send(HttpRequest.newBuilder(URI.create(url.group(1) + "events/hello")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(sent.body()).isEqualTo("msg sent\n");
        client.awaitEvents(2);

        process.destroy(); // SIGTERM

        client.awaitEnded();
        assertThat(client.events()).extracting(MessageEvent::data).containsExactly("connected", "hello");
      }
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
      assertThat(process.exitValue()).isIn(0, 143);
    } finally {
      process.destroyForcibly();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"--bogus", "--transport=undertow", "--port=x"})
  void badFlagIsAOneLineErrorAndStatusTwo(String flag) throws Exception {
    Process process = java(flag);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(err).startsWith("error: ").hasLineCount(1);
  }

  @Test
  void helpExplainsEveryFlag() throws Exception {
    Process process = java("--help");
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(process.exitValue()).isZero();
    assertThat(out).contains("--transport", "--host", "--port", "--heartbeat", "--history");
  }
}
