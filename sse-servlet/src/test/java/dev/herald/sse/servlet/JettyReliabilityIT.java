package dev.herald.sse.servlet;

import dev.herald.sse.testkit.ReliabilityScenarios;
import dev.herald.sse.testkit.SseHost;
import java.time.Duration;

/** The reliability suite on the servlet transport in Jetty 12 (ee10); the server is {@link Containers#jetty}. */
class JettyReliabilityIT extends ReliabilityScenarios {

  @Override
  protected SseHost host() {
    return ServletHost.servlets(Containers::jetty);
  }

  @Override
  protected Duration closeDetection() {
    // A servlet container sees a client that closed an idle stream only at the next write: the heartbeat's.
    return Duration.ofMillis(50);
  }
}
