package dev.herald.sse.micrometer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The names a Prometheus server scrapes for every meter, through Micrometer's Prometheus registry (its naming
 * convention: snake case, the base unit, {@code _total} on counters, {@code _seconds} on the timer), are the ones
 * the README's "Metrics" table lists in its Prometheus column, each labelled with the broadcaster.
 */
class PrometheusNamesTest {
  /** A row of the README's table: the meter's name, then its Prometheus names, each in backticks. */
  private static final Pattern ROW = Pattern.compile("^\\| `(herald\\.sse\\.[a-z.]+)` \\| ([^|]+) \\|");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  @Test
  void aPrometheusScrapeNamesEveryMeterAsTheReadmeTableDoes() throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DeliveryDelayRecorder delays = new DeliveryDelayRecorder();
    try (Broadcaster chat = Broadcasters.create(BroadcasterConfig.builder().name("chat").heartbeat(Duration.ZERO)
        .deliveryObserver(delays).build())) {
      new BroadcasterMetrics(chat, delays).bindTo(registry);
      String scrape = registry.scrape();

      Set<String> scraped = new TreeSet<>();
      for (String line : scrape.split("\n")) {
        if (line.startsWith("herald_")) {
          assertThat(line).as("a sample's labels").contains("broadcaster=\"chat\"");
          scraped.add(line.substring(0, line.indexOf('{')));
        }
      }
      Set<String> meters = new TreeSet<>();
      for (Meter meter : registry.getMeters()) {
        meters.add(meter.getId().getName());
      }

      Set<String> documentedMeters = new TreeSet<>();
      Set<String> documentedNames = new TreeSet<>();
      for (String line : Files.readAllLines(readme(), UTF_8)) {
        Matcher row = ROW.matcher(line);
        if (row.find()) {
          documentedMeters.add(row.group(1));
          List<String> names = codes(row.group(2));
          assertThat(names).as("the Prometheus names of %s in the README", row.group(1)).isNotEmpty();
          documentedNames.addAll(names);
        }
      }
      assertThat(documentedMeters).as("the meters in the README's table").isEqualTo(meters);
      assertThat(documentedNames).as("the Prometheus names in the README's table, against the scrape:%n%s", scrape)
          .isEqualTo(scraped);
    }
  }

  private static List<String> codes(String cell) {
    List<String> codes = new ArrayList<>();
    Matcher code = CODE.matcher(cell);
    while (code.find()) {
      codes.add(code.group(1));
    }
    return codes;
  }

  /** The repository's README: the tests run in this module's directory, one below it. */
  private static Path readme() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path readme = dir.resolve("README.md");
      if (Files.isRegularFile(readme) && Files.isDirectory(dir.resolve("sse-micrometer"))) {
        return readme;
      }
    }
    throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath());
  }
}
