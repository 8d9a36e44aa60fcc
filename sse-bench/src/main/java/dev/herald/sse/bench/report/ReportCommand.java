package dev.herald.sse.bench.report;

import dev.herald.sse.bench.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code report [--out DIR] FILE…}: reads load results (JSON lines) and writes {@code results.md} (a Markdown
 * table of medians per scenario and transport) and two hand-written SVG charts, {@code throughput.svg} and
 * {@code latency.svg}, into DIR (default {@code sse-bench/results}).
 */
public final class ReportCommand {
  static final String USAGE = String.join("\n",
      "Usage: java -jar sse-bench.jar report [--out DIR] [--title TEXT] FILE...",
      "",
      "Reads load results (one JSON object a line, as load --out appends them) and writes into DIR",
      "(default sse-bench/results): results.md, throughput.svg and latency.svg. Several runs of one",
      "scenario and transport are summarised by their medians.");

  private ReportCommand() {}

  public static int run(String[] args) throws IOException {
    Path out = Path.of("sse-bench", "results");
    String title = "Herald load results";
    List<Path> inputs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--help", "-h" -> {
          System.out.println(USAGE);
          return 0;
        }
        case "--out" -> out = Path.of(args[++i]);
        case "--title" -> title = args[++i];
        default -> inputs.add(Path.of(args[i]));
      }
    }
    if (inputs.isEmpty()) {
      System.err.println("no results file given\n\n" + USAGE);
      return 2;
    }
    List<Map<String, Object>> runs = new ArrayList<>();
    for (Path input : inputs) {
      for (String line : Files.readAllLines(input, StandardCharsets.UTF_8)) {
        if (!line.isBlank() && line.trim().startsWith("{")) {
          runs.add(Json.read(line));
        }
      }
    }
    Report report = Report.of(runs);
    Files.createDirectories(out);
    Files.writeString(out.resolve("results.md"), report.markdown(title), StandardCharsets.UTF_8);
    Files.writeString(out.resolve("throughput.svg"), report.throughputSvg(), StandardCharsets.UTF_8);
    Files.writeString(out.resolve("latency.svg"), report.latencySvg(), StandardCharsets.UTF_8);
    System.out.println("wrote " + out.resolve("results.md") + ", throughput.svg and latency.svg from " + runs.size()
        + " runs");
    return 0;
  }
}
