package dev.herald.sse.spring.boot;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.BroadcasterStats;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the health indicators of both Boot lines report for a broadcaster: UP with its clients; DOWN, with the
 * reason, while its backplane is unreachable; OUT_OF_SERVICE once it is closed.
 *
 * @param status {@code UP}, {@code DOWN} or {@code OUT_OF_SERVICE}, as Boot's status codes
 * @param details what the health endpoint shows with the status
 */
record BroadcasterHealth(String status, Map<String, Object> details) {

  static BroadcasterHealth of(Broadcaster broadcaster) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("broadcaster", broadcaster.name());
    if (broadcaster.isClosed()) {
      details.put("reason", "the broadcaster is closed");
      return new BroadcasterHealth("OUT_OF_SERVICE", details);
    }
    BroadcasterStats stats = broadcaster.stats();
    details.put("clients", stats.clients());
    if (stats.backplaneDown()) {
      details.put("reason", "the backplane is unreachable: broadcasts fail, clients stay connected and resume"
          + " when it is back");
      details.put("backplaneOutages", stats.backplaneOutages());
      return new BroadcasterHealth("DOWN", details);
    }
    return new BroadcasterHealth("UP", details);
  }
}
