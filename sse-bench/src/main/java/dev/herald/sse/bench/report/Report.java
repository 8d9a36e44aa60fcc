package dev.herald.sse.bench.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Load results summarised per scenario and transport (medians of several runs), as Markdown and SVG. */
final class Report {
  private static final String[] COLORS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"};
  private static final String[] PERCENTILES = {"p50Ms", "p99Ms", "p999Ms"};
  private static final String[] PERCENTILE_NAMES = {"p50", "p99", "p99.9"};

  /** One scenario on one transport: its runs and their medians. */
  record Row(String scenario, String transport, List<Map<String, Object>> runs) {
    double median(String field) {
      double[] values = runs.stream()
          .map(run -> run.get(field))
          .filter(Number.class::isInstance)
          .mapToDouble(value -> ((Number) value).doubleValue())
          .sorted()
          .toArray();
      if (values.length == 0) {
        return Double.NaN;
      }
      int mid = values.length / 2;
      return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    /** The median over runs of {@code scale * numerator / denominator}, for runs that have both. */
    double medianRatio(String numerator, String denominator, double scale) {
      double[] values = runs.stream()
          .filter(run -> run.get(numerator) instanceof Number && run.get(denominator) instanceof Number
              && ((Number) run.get(denominator)).doubleValue() > 0)
          .mapToDouble(run -> scale * ((Number) run.get(numerator)).doubleValue()
              / ((Number) run.get(denominator)).doubleValue())
          .sorted()
          .toArray();
      if (values.length == 0) {
        return Double.NaN;
      }
      int mid = values.length / 2;
      return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    double max(String field) {
      return runs.stream()
          .map(run -> run.get(field))
          .filter(Number.class::isInstance)
          .mapToDouble(value -> ((Number) value).doubleValue())
          .max()
          .orElse(Double.NaN);
    }
  }

  private final List<Row> rows;
  private final List<String> scenarios;
  private final List<String> transports;

  private Report(List<Row> rows, List<String> scenarios, List<String> transports) {
    this.rows = rows;
    this.scenarios = scenarios;
    this.transports = transports;
  }

  static Report of(List<Map<String, Object>> runs) {
    Map<String, Row> rows = new LinkedHashMap<>();
    List<String> scenarios = new ArrayList<>();
    List<String> transports = new ArrayList<>();
    for (Map<String, Object> run : runs) {
      String scenario = String.valueOf(run.get("scenario"));
      String transport = String.valueOf(run.get("transport"));
      if (!scenarios.contains(scenario)) {
        scenarios.add(scenario);
      }
      if (!transports.contains(transport)) {
        transports.add(transport);
      }
      rows.computeIfAbsent(scenario + "\0" + transport, key -> new Row(scenario, transport, new ArrayList<>()))
          .runs().add(run);
    }
    List<Row> sorted = new ArrayList<>(rows.values());
    sorted.sort((a, b) -> a.scenario().equals(b.scenario())
        ? Integer.compare(transports.indexOf(a.transport()), transports.indexOf(b.transport()))
        : Integer.compare(scenarios.indexOf(a.scenario()), scenarios.indexOf(b.scenario())));
    return new Report(sorted, scenarios, transports);
  }

  private Row row(String scenario, String transport) {
    for (Row row : rows) {
      if (row.scenario().equals(scenario) && row.transport().equals(transport)) {
        return row;
      }
    }
    return null;
  }

  String markdown(String title) {
    StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
    md.append("Medians of the runs of each scenario and transport; `vs raw` is the ratio of delivered events per"
        + " second to the raw Netty floor's in the same scenario.\n\n");
    md.append("| scenario | transport | runs | clients | events × bytes @ rate | delivered/s | vs raw | seconds "
        + "| p50 ms | p99 ms | p99.9 ms | max ms | lost | heap/client KiB | off-heap/client KiB | server CPU s "
        + "| server CPU µs/event | client CPU s | load avg |\n");
    md.append("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row row : rows) {
      Row raw = row(row.scenario(), "raw");
      double rate = row.median("eventsPerSecond");
      String ratio = raw == null || raw == row || !(raw.median("eventsPerSecond") > 0) ? "" :
          format("%.2f", rate / raw.median("eventsPerSecond"));
      int eventsRate = (int) row.median("rate");
      md.append("| ").append(row.scenario())
          .append(" | ").append(row.transport())
          .append(" | ").append(row.runs().size())
          .append(" | ").append(count(row.median("connected")))
          .append(stalled(row))
          .append(" | ").append(count(row.median("events"))).append(" × ").append(count(row.median("size")))
          .append(" @ ").append(eventsRate == 0 ? "paced" : eventsRate + "/s")
          .append(" | ").append(count(rate))
          .append(" | ").append(ratio)
          .append(" | ").append(format("%.2f", row.median("seconds")))
          .append(" | ").append(format("%.2f", row.median("p50Ms")))
          .append(" | ").append(format("%.2f", row.median("p99Ms")))
          .append(" | ").append(format("%.2f", row.median("p999Ms")))
          .append(" | ").append(format("%.2f", row.median("maxMs")))
          .append(" | ").append(count(row.max("lost")))
          .append(" | ").append(format("%.2f", row.median("heapPerClientKiB")))
          .append(" | ").append(format("%.2f", row.median("rssPerClientKiB")))
          .append(" | ").append(format("%.1f", row.median("serverCpuSeconds")))
          .append(" | ").append(format("%.2f", row.medianRatio("serverCpuSeconds", "received", 1e6)))
          .append(" | ").append(format("%.1f", row.median("clientCpuSeconds")))
          .append(" | ").append(format("%.1f", row.median("loadAverageBefore")))
          .append(" |\n");
    }
    md.append("\n`lost` is the largest over the runs. `load avg` is the machine's one-minute load average when the"
        + " run started: other work on this shared 2-core machine shows there.");
    md.append("\n`server CPU µs/event` is the server's user+system CPU per delivered event, less sensitive to that"
        + " other work than delivered/s.");
    md.append("\n\nMemory per idle client: `heap` is the live heap after a GC,"
        + " `off-heap` the growth of the server's RSS with a fixed, pre-touched heap (sse-bench/run-scenarios.sh).");
    md.append("\n\n![throughput](throughput.svg) ![latency](latency.svg)\n");
    return md.toString();
  }

  private static String stalled(Row row) {
    double stalled = row.median("stalledConnected");
    return stalled > 0 ? " + " + count(stalled) + " stalled" : "";
  }

  /** Delivered events per second: one group of bars per scenario, one bar per transport. */
  String throughputSvg() {
    List<String> shown = new ArrayList<>();
    double max = 0;
    for (String scenario : scenarios) {
      for (String transport : transports) {
        Row row = row(scenario, transport);
        if (row != null && row.median("eventsPerSecond") > 0) {
          max = Math.max(max, row.median("eventsPerSecond"));
          if (!shown.contains(scenario)) {
            shown.add(scenario);
          }
        }
      }
    }
    Chart chart = new Chart("Delivered events per second (all clients together; median of runs)",
        shown.size(), transports.size(), max, false, "/s");
    for (int g = 0; g < shown.size(); g++) {
      chart.group(g, shown.get(g));
      for (int t = 0; t < transports.size(); t++) {
        Row row = row(shown.get(g), transports.get(t));
        if (row != null) {
          chart.bar(g, t, row.median("eventsPerSecond"), COLORS[t % COLORS.length]);
        }
      }
    }
    for (int t = 0; t < transports.size(); t++) {
      chart.legend(t, transports.get(t), COLORS[t % COLORS.length]);
    }
    return chart.svg();
  }

  /** Latency percentiles: one group per scenario and transport, one bar per percentile, on a log scale. */
  String latencySvg() {
    List<Row> shown = rows.stream().filter(row -> row.median("p50Ms") > 0).toList();
    double max = shown.stream().mapToDouble(row -> row.median("p999Ms")).max().orElse(1);
    Chart chart = new Chart("Latency from the sender's nanoTime to receipt, ms (log scale; median of runs)",
        shown.size(), PERCENTILES.length, max, true, " ms");
    for (int g = 0; g < shown.size(); g++) {
      Row row = shown.get(g);
      chart.group(g, row.scenario() + " · " + row.transport());
      for (int p = 0; p < PERCENTILES.length; p++) {
        chart.bar(g, p, row.median(PERCENTILES[p]), COLORS[p % COLORS.length]);
      }
    }
    for (int p = 0; p < PERCENTILES.length; p++) {
      chart.legend(p, PERCENTILE_NAMES[p], COLORS[p % COLORS.length]);
    }
    return chart.svg();
  }

  static String format(String pattern, double value) {
    return Double.isNaN(value) ? "" : String.format(Locale.ROOT, pattern, value);
  }

  static String count(double value) {
    return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%,d", Math.round(value));
  }

  /** A horizontal grouped bar chart, written as SVG by hand. */
  private static final class Chart {
    private static final int LABEL_WIDTH = 230;
    private static final int PLOT_WIDTH = 520;
    private static final int BAR = 16;
    private static final int GAP = 14;
    private static final int TOP = 40;

    private final String title;
    private final int bars;
    private final double max;
    private final boolean log;
    private final String unit;
    private final StringBuilder body = new StringBuilder();
    private final StringBuilder legend = new StringBuilder();
    private final int height;

    Chart(String title, int groups, int bars, double max, boolean log, String unit) {
      this.title = title;
      this.bars = bars;
      this.max = max > 0 ? max : 1;
      this.log = log;
      this.unit = unit;
      this.height = TOP + groups * (bars * BAR + GAP) + 50;
    }

    private int groupTop(int group) {
      return TOP + group * (bars * BAR + GAP);
    }

    private double scale(double value) {
      if (!log) {
        return PLOT_WIDTH * value / max;
      }
      double low = Math.log10(0.01);
      double high = Math.log10(Math.max(max, 0.1)) + 0.1;
      return PLOT_WIDTH * (Math.log10(Math.max(value, 0.01)) - low) / (high - low);
    }

    void group(int group, String label) {
      int y = groupTop(group) + bars * BAR / 2 + 4;
      body.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", LABEL_WIDTH - 8, y, escape(label)));
    }

    void bar(int group, int index, double value, String color) {
      if (Double.isNaN(value)) {
        return;
      }
      int y = groupTop(group) + index * BAR;
      double width = Math.max(1, scale(value));
      body.append(String.format(Locale.ROOT,
          "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n", LABEL_WIDTH, y, width, BAR - 2,
          color));
      String text = value >= 1000 ? String.format(Locale.ROOT, "%,.0f", value)
          : String.format(Locale.ROOT, "%.2f", value);
      body.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"v\">%s%s</text>%n",
          LABEL_WIDTH + width + 4, y + BAR - 4, text, unit));
    }

    void legend(int index, String name, String color) {
      int x = LABEL_WIDTH + index * 110;
      int y = height - 20;
      legend.append(String.format(Locale.ROOT,
          "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
          x, y - 10, color, x + 16, y, escape(name)));
    }

    String svg() {
      int width = LABEL_WIDTH + PLOT_WIDTH + 130;
      return String.format(Locale.ROOT,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
              + "font-family=\"sans-serif\" font-size=\"12\">%n"
              + "<style>.v{font-size:11px;fill:#333}</style>%n"
              + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n"
              + "<text x=\"10\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s</text>%n"
              + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>%n",
          width, height, width, height, escape(title), LABEL_WIDTH, TOP - 4, LABEL_WIDTH, height - 40)
          + body + legend + "</svg>\n";
    }

    private static String escape(String text) {
      return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
  }

  @Override
  public String toString() {
    return "Report" + Arrays.toString(rows.toArray());
  }
}
