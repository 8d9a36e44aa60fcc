package dev.herald.sse.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.bench.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
  private static Map<String, Object> run(String scenario, String transport, double rate, double p99) {
    return Json.read(Json.write(Map.of("scenario", scenario, "transport", transport, "eventsPerSecond", rate,
        "p50Ms", 1.0, "p99Ms", p99, "p999Ms", p99 * 2, "lost", 0, "connected", 1000, "events", 20000)));
  }

  @Test
  void tableShowsMediansAndTheRatioToTheRawFloor() {
    Report report = Report.of(List.of(
        run("fanout-1k", "raw", 1_000_000, 5),
        run("fanout-1k", "netty", 800_000, 6),
        run("fanout-1k", "netty", 900_000, 7),
        run("fanout-1k", "netty", 700_000, 8)));

    String md = report.markdown("t");

    assertThat(md).contains("| fanout-1k | raw | 1 | 1,000 | 20,000 × ");
    assertThat(md).contains("| fanout-1k | netty | 3 | 1,000 | 20,000 × ");
    assertThat(md).contains("| 800,000 | 0.80 |");
    assertThat(md).contains("| 7.00 |"); // median p99 of 6, 7, 8
  }

  @Test
  void chartsAreSvgWithABarPerTransportAndPercentile() {
    Report report = Report.of(List.of(run("fanout-1k", "raw", 1_000_000, 5), run("fanout-1k", "netty", 800_000, 6)));

    String throughput = report.throughputSvg();
    String latency = report.latencySvg();

    assertThat(throughput).startsWith("<svg").endsWith("</svg>\n");
    assertThat(throughput.split("height=\"14\"", -1)).hasSize(3);
    assertThat(latency.split("height=\"14\"", -1)).hasSize(7);
    assertThat(latency).contains("fanout-1k · netty");
  }

  @Test
  void jsonRoundTripsStringsAndNumbers() {
    Map<String, Object> back = Json.read(Json.write(Map.of("a", "x \"q\"\n", "b", 1.5, "c", 7L)));

    assertThat(back).containsEntry("a", "x \"q\"\n").containsEntry("b", 1.5).containsEntry("c", 7.0);
  }
}
