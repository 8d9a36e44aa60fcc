package dev.herald.sse.bench.server;

import dev.herald.sse.Broadcaster;
import java.lang.management.ManagementFactory;
import java.util.Map;

/**
 * The bench routes, {@code /bench/burst}, {@code /bench/info} and {@code /bench/gc}, written once for every
 * transport: each transport parses the query into a map and writes the {@link Burst.Answer} it gets.
 */
final class BenchRoutes {
  private final String transport;
  private final Broadcaster broadcaster; // null for a floor, which has no Herald broadcaster
  private final Fanout fanout; // null for a floor that only holds idle streams
  private final Burst burst;

  BenchRoutes(String transport, Broadcaster broadcaster, Fanout fanout) {
    this.transport = transport;
    this.broadcaster = broadcaster;
    this.fanout = fanout;
    this.burst = fanout == null ? null : new Burst(fanout);
  }

  /** Whether {@code path} is one of the bench routes. */
  static boolean isBench(String path) {
    return path.startsWith("/bench/");
  }

  /** Answers a bench route; 404 for any other path under {@code /bench/}. */
  Burst.Answer answer(String path, Map<String, String> query, int clients) {
    switch (path) {
      case "/bench/burst" -> {
        return burst == null ? new Burst.Answer(501, "the " + transport + " floor only holds idle streams")
            : burst.start(query);
      }
      case "/bench/info" -> {
        return new Burst.Answer(200, "{\"pid\":" + ProcessHandle.current().pid() + ",\"transport\":\"" + transport
            + "\",\"clients\":" + clients + ",\"slowDisconnected\":"
            + (broadcaster == null ? 0 : broadcaster.stats().slowClientsDisconnected()) + "}");
      }
      case "/bench/gc" -> {
        System.gc();
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return new Burst.Answer(200, "{\"heapUsed\":" + used + "}");
      }
      default -> {
        return new Burst.Answer(404, "not found");
      }
    }
  }

  /** The clients the fan-out reaches, or {@code fallback} for a floor without one. */
  int clients(int fallback) {
    return fanout == null ? fallback : fanout.clients();
  }
}
