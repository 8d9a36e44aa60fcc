package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.examples.ExampleOptions.Transport;
import dev.herald.sse.examples.browser.HeadlessChromium;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The example with {@code --compress}, read by the clients users have: {@code curl --compressed} and Chromium's
 * {@code EventSource}. Each event is sent only once the client has decoded the one before it, so a stream that held
 * compressed bytes back until a buffer filled (the usual way compression breaks event streams) fails at its first
 * event. The stream must also end as a whole gzip member: curl exits with 0 only if the trailer is right.
 *
 * <p>In CI ({@code CI=true}) a missing curl or Chromium fails the test; elsewhere it is skipped with a message.
 */
class ExampleCompressionIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int EVENTS = 20;

  @TempDir
  Path dir;

  @ParameterizedTest
  @EnumSource(Transport.class)
  void curlDecodesEachEventTheMomentItIsSent(Transport transport) throws Exception {
    Path curl = required("curl", Path.of("/usr/bin/curl"));
    ExampleOptions options = ExampleOptions.defaults().on(transport).withPort(0).withCompress(true);
    Path headers = dir.resolve("headers.txt");
    Process process;
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    try (ExampleServer server = ExampleServer.start(options)) {
      process = new ProcessBuilder(curl.toString(), "--silent", "--show-error", "--no-buffer", "--http1.1",
          "--compressed", "--dump-header", headers.toString(), server.url() + "events")
          .redirectError(dir.resolve("curl.err").toFile())
          .start();
      Thread reader = new Thread(() -> readLines(process, lines), "curl-stdout");
      reader.setDaemon(true);
      reader.start();
      try {
        assertThat(nextData(lines)).isEqualTo("connected");
        Broadcaster broadcaster = server.app().broadcaster();
        for (int i = 1; i <= EVENTS; i++) {
          String order = order(i);
          broadcaster.broadcast(Data.of(order));
          assertThat(nextData(lines)).as("event %d, decoded before the next is sent", i).isEqualTo(order);
        }
        String head = Files.readString(headers).toLowerCase(Locale.ROOT);
        assertThat(head).contains("content-encoding: gzip").contains("vary: accept-encoding")
            .contains("content-type: text/event-stream");
      } catch (AssertionError | RuntimeException e) {
        process.destroyForcibly();
        throw e;
      }
    } // the server ends every stream with its gzip trailer and the last chunk before it stops
    assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("curl ends when the stream does").isTrue();
    assertThat(process.exitValue()).as("curl's exit status (non-zero if the gzip stream was cut or corrupt): %s",
        Files.readString(dir.resolve("curl.err"))).isZero();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void chromiumDecodesEachEventTheMomentItIsSent(Transport transport) throws Exception {
    Optional<Path> installed = HeadlessChromium.executable();
    Path chromium = required("chromium", installed.orElse(Path.of("/nonexistent")));
    ExampleOptions options = ExampleOptions.defaults().on(transport).withPort(0).withCompress(true);
    try (ExampleServer server = ExampleServer.start(options);
        HeadlessChromium browser = HeadlessChromium.start(chromium)) {
      browser.recordNetwork();
      browser.navigate(server.url());
      browser.awaitTrue("document.body.dataset.state === 'open' && window.heraldEvents.length >= 1", WAIT);

      Broadcaster broadcaster = server.app().broadcaster();
      for (int i = 1; i <= EVENTS; i++) {
        broadcaster.broadcast(Data.of(order(i)));
        browser.awaitTrue("window.heraldEvents.length >= " + (i + 1), WAIT);
      }
      @SuppressWarnings("unchecked")
      List<String> data = ((List<Map<String, Object>>) browser.evaluate("window.heraldEvents")).stream()
          .map(e -> (String) e.get("data")).toList();
      assertThat(data).hasSize(EVENTS + 1).startsWith("connected").endsWith(order(EVENTS));
      assertThat(streamHeaders(browser)).as("the headers of the page's /events response")
          .containsEntry("content-encoding", "gzip")
          .hasEntrySatisfying("vary", vary -> assertThat((String) vary).isEqualToIgnoringCase("accept-encoding"));
    }
  }

  /** A realistic event: a JSON order of about 300 bytes, keys repeated from one event to the next. */
  private static String order(int n) {
    return "{\"type\":\"order.updated\",\"order\":{\"id\":\"ord_" + (100_000 + n) + "\",\"status\":\"shipped\","
        + "\"customer\":{\"id\":\"cus_" + (n % 97) + "\",\"tier\":\"gold\"},\"items\":[{\"sku\":\"SKU-" + (n % 13)
        + "\",\"quantity\":" + (n % 5 + 1) + ",\"price\":{\"amount\":" + (n * 137 % 10_000) + ",\"currency\":\"EUR\"}}],"
        + "\"updatedAt\":\"2026-11-30T12:00:" + String.format(Locale.ROOT, "%02d", n % 60) + "Z\"}}";
  }

  private static Map<String, Object> streamHeaders(HeadlessChromium browser) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (Map<String, Object> received : browser.networkEvents("Network.responseReceived")) {
        @SuppressWarnings("unchecked")
        Map<String, Object> response = (Map<String, Object>) received.get("response");
        if (String.valueOf(response.get("url")).endsWith("/events")) {
          @SuppressWarnings("unchecked")
          Map<String, Object> headers = (Map<String, Object>) response.get("headers");
          Map<String, Object> lower = new java.util.HashMap<>();
          headers.forEach((name, value) -> lower.put(name.toLowerCase(Locale.ROOT), value));
          return lower;
        }
      }
      TimeUnit.MILLISECONDS.sleep(20); // polling what the browser reported; bounded by the deadline
    }
    throw new AssertionError("Chromium reported no response for /events within " + WAIT);
  }

  /** The next {@code data:} line curl printed, waiting at most {@link #WAIT}. */
  private static String nextData(BlockingQueue<String> lines) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError("no event from curl within " + WAIT);
      }
      if (line.startsWith("data:")) {
        return line.substring(line.startsWith("data: ") ? 6 : 5);
      }
    }
  }

  private static void readLines(Process process, BlockingQueue<String> lines) {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.add(line);
      }
    } catch (IOException e) {
      // the process was destroyed; the test waiting on the lines reports what is missing
    }
  }

  /** The tool at this path, or a failure in CI and a skip elsewhere when it is missing. */
  private static Path required(String name, Path path) {
    if (!Files.isExecutable(path)) {
      String message = name + " is not installed (apt-get install " + name + "); the compression test needs it";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError(message + ", and CI must run it");
      }
      Assumptions.abort(message);
    }
    return path;
  }
}
