package dev.herald.sse.bench.load;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The named scenarios of issue 7. */
public enum Preset {
  FANOUT_1K("fanout-1k", 1_000, 20_000, 64, 0, 0),
  FANOUT_10K("fanout-10k", 10_000, 2_000, 64, 0, 0),
  LATENCY_1K("latency-1k", 1_000, 5_000, 64, 1_000, 0),
  LATENCY_1K_100("latency-1k-100", 1_000, 1_000, 64, 100, 0),
  /** As many idle clients as the open-file limit (20,000 per process) leaves room for; no burst. */
  IDLE_20K("idle-20k", 19_000, 0, 64, 0, 0),
  /** latency-1k with 50 more clients that stop reading: compare the readers' figures with latency-1k's. */
  SLOW_CONSUMER("slow-consumer", 1_000, 5_000, 64, 1_000, 50);

  private final String label;
  final int clients;
  final int events;
  final int size;
  final int rate;
  final int stalled;

  Preset(String label, int clients, int events, int size, int rate, int stalled) {
    this.label = label;
    this.clients = clients;
    this.events = events;
    this.size = size;
    this.rate = rate;
    this.stalled = stalled;
  }

  public String label() {
    return label;
  }

  public static Preset parse(String name) {
    for (Preset preset : values()) {
      if (preset.label.equals(name)) {
        return preset;
      }
    }
    throw new IllegalArgumentException("unknown preset " + name + "; one of " + names());
  }

  static String names() {
    return Arrays.stream(values()).map(Preset::label).collect(Collectors.joining(", "));
  }
}
