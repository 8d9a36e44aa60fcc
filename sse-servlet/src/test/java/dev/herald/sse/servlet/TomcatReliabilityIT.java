package dev.herald.sse.servlet;

import dev.herald.sse.testkit.ReliabilityScenarios;
import dev.herald.sse.testkit.SseHost;
import java.time.Duration;

/** The reliability suite on the servlet transport in Tomcat 11; the server is {@link Containers#tomcat}. */
class TomcatReliabilityIT extends ReliabilityScenarios {

  @Override
  protected SseHost host() {
    return ServletHost.servlets(Containers::tomcat);
  }

  @Override
  protected int headersTooLargeStatus() {
    return 400; // Tomcat refuses oversized headers with 400 Bad Request, before any servlet runs
  }

  @Override
  protected long churnHeapGrowthBound() {
    // Tomcat keeps up to 200 idle request processors of about 100 KiB each after a burst of connections, and the
    // churn's 200 half-open clients are such a burst: 80 to 130 more processors (8 to 14 MiB) stay after it. A class
    // histogram of a run shows no Herald object left; what Herald keeping a connection would hold (its Tomcat
    // request among them) is 100 KiB a time, 2 GiB over the scenario, far above this bound.
    return 32L << 20;
  }

  @Override
  protected Duration closeDetection() {
    // A servlet container sees a client that closed an idle stream only at the next write: the heartbeat's.
    return Duration.ofMillis(50);
  }
}
