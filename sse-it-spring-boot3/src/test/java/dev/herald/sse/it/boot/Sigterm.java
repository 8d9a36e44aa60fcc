package dev.herald.sse.it.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.testkit.RawSseClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;

/**
 * SIGTERM to a Spring Boot application with streams open, and what Herald promises of it: every stream ends with its
 * terminating chunk, the process exits within 5 s with the status of a JVM that ran its shutdown hooks, Boot's
 * graceful shutdown finds no request in flight, and nothing is logged at WARN or above. One check for the README's
 * recipe ({@link SpringBootShutdownIT}) and for the starter's application, run on its class path and from its
 * executable jar (sse-it-starter-boot3's {@code StarterIT} and {@code StarterJarIT}).
 */
public final class Sigterm {
  /** A line of Boot's default console format at WARN or ERROR: the date, then the level. */
  private static final Pattern WARN_OR_ERROR = level("WARN|ERROR");
  /** The same at INFO: the application logs some, which shows that the format is the one read here. */
  private static final Pattern INFO = level("INFO");
  /** The JVM's exit status after SIGTERM once its shutdown hooks ran: 128 + 15. */
  private static final int SIGTERM_EXIT = 143;
  private static final Duration STREAM_END = Duration.ofSeconds(10);

  private Sigterm() {}

  /**
   * Sends SIGTERM, reads every stream to its end, waits for the process to exit, then checks the promise.
   *
   * @param app the running application
   * @param server the server it runs on, for the test's output
   * @param streams the open streams, by the name the failure messages give them
   * @throws Exception if the test is interrupted or a reader fails
   */
  public static void endsEveryStreamAndExits(AppProcess app, String server, Map<String, RawSseClient> streams)
      throws Exception {
    endsEveryStreamAndExits(app, server, streams, soft -> { });
  }

  /**
   * Sends SIGTERM, reads every stream to its end as a browser does, waits for the process to exit, then checks the
   * promise and the caller's own checks at once, so that a failure shows the whole of what went wrong.
   *
   * @param app the running application
   * @param server the server it runs on, for the test's output
   * @param streams the open streams, by the name the failure messages give them
   * @param more the caller's checks of what the streams carried, made once they ended
   * @throws Exception if the test is interrupted or a reader fails
   */
  public static void endsEveryStreamAndExits(AppProcess app, String server, Map<String, RawSseClient> streams,
      Consumer<SoftAssertions> more) throws Exception {
    ExecutorService readers = Executors.newCachedThreadPool();
    try {
      long sigterm = System.nanoTime();
      app.sigterm();
      Map<String, CompletableFuture<Boolean>> ending = new LinkedHashMap<>();
      streams.forEach((name, client) -> ending.put(name, CompletableFuture.supplyAsync(() -> endedCleanly(client),
          readers)));
      // Far past Boot's 30 s graceful shutdown timeout, so that a shutdown that hangs is reported with its length.
      boolean exited = app.awaitExit(Duration.ofSeconds(60));
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
      System.out.printf("[shutdown] %s: exited %d ms after SIGTERM%n", server, tookMillis);

      assertThat(exited).as("exited after SIGTERM\n%s", app.output()).isTrue();
      Map<String, Boolean> endedClean = new LinkedHashMap<>();
      for (Map.Entry<String, CompletableFuture<Boolean>> stream : ending.entrySet()) {
        endedClean.put(stream.getKey(), stream.getValue().get(60, TimeUnit.SECONDS));
      }
      SoftAssertions.assertSoftly(soft -> {
        soft.assertThat(tookMillis).as("ms from SIGTERM to exit").isLessThan(5_000);
        soft.assertThat(app.exitValue()).as("exit status").isEqualTo(SIGTERM_EXIT);
        endedClean.forEach((name, clean) -> soft.assertThat(clean)
            .as("%s ended with its terminating chunk: %s", name, streams.get(name).response()).isTrue());
        soft.assertThat(app.stdout()).as("Boot's graceful shutdown found no request in flight")
            .anyMatch(line -> line.contains("Graceful shutdown complete"))
            .noneMatch(line -> line.contains("Graceful shutdown aborted"));
        soft.assertThat(app.stdout()).as("log lines at WARN or above")
            .anyMatch(line -> INFO.matcher(line).find())
            .noneMatch(line -> WARN_OR_ERROR.matcher(line).find());
        soft.assertThat(app.stderr()).as("standard error").isEmpty();
        more.accept(soft);
      });
    } finally {
      readers.shutdownNow();
      readers.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** Reads to the end of the response: {@code false} if it was cut, or had not ended in time. */
  private static boolean endedCleanly(RawSseClient client) {
    try {
      return client.awaitEnd(STREAM_END);
    } catch (AssertionError notInTime) {
      return false; // reported with the rest, and with what the response was when the time ran out
    }
  }

  private static Pattern level(String levels) {
    return Pattern.compile("^\\S+\\s+(" + levels + ")\\s");
  }
}
