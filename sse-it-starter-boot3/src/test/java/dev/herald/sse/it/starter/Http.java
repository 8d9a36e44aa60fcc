package dev.herald.sse.it.starter;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Plain requests to the application under test, and the numbers read from the actuator's JSON. */
final class Http {
  private static final Pattern VALUE = Pattern.compile("\"statistic\":\"(\\w+)\",\"value\":([-0-9.E]+)");

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final int port;

  Http(int port) {
    this.port = port;
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** One statistic of {@code /actuator/metrics/<name>}, such as {@code VALUE}, {@code COUNT} or {@code TOTAL_TIME}. */
  double metric(String name, String statistic, String... tags) throws IOException, InterruptedException {
    StringBuilder path = new StringBuilder("/actuator/metrics/").append(name);
    for (int i = 0; i < tags.length; i++) {
      path.append(i == 0 ? '?' : '&').append("tag=").append(tags[i]);
    }
    HttpResponse<String> response = get(path.toString());
    if (response.statusCode() != 200) {
      throw new AssertionError(path + " answered " + response.statusCode() + ": " + response.body());
    }
    Matcher value = VALUE.matcher(response.body());
    while (value.find()) {
      if (value.group(1).equals(statistic)) {
        return Double.parseDouble(value.group(2));
      }
    }
    throw new AssertionError(path + " has no " + statistic + ": " + response.body());
  }

  /** Asks until the answer passes, or fails with the last answer after the timeout. */
  HttpResponse<String> await(String path, Predicate<HttpResponse<String>> until, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpResponse<String> last = get(path);
    while (!until.test(last)) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + timeout + ": " + path + " answered " + last.statusCode() + ": "
            + last.body());
      }
      Thread.onSpinWait();
      last = get(path);
    }
    return last;
  }

  /** Asks until the metric's statistic has this value. */
  void awaitMetric(String name, String statistic, double expected, String... tags)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    double last = metric(name, statistic, tags);
    while (last != expected) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(name + " " + statistic + " is " + last + ", not " + expected + ", after 10 s");
      }
      Thread.onSpinWait();
      last = metric(name, statistic, tags);
    }
  }

  /**
   * The JSON object of one component of {@code /actuator/health}, whose keys Boot 3 and Boot 4 write in different
   * orders.
   */
  static String healthComponent(String body, String name) {
    String key = "\"" + name + "\":{";
    int start = body.indexOf(key);
    if (start < 0) {
      throw new AssertionError("no health component " + name + ": " + body);
    }
    int depth = 0;
    for (int i = start + key.length() - 1; i < body.length(); i++) {
      char c = body.charAt(i);
      depth += c == '{' ? 1 : c == '}' ? -1 : 0;
      if (depth == 0) {
        return body.substring(start + key.length() - 1, i + 1);
      }
    }
    throw new AssertionError("unterminated health component " + name + ": " + body);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
