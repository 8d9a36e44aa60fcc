package dev.herald.sse.servlet;

import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TransportConformance;

/** The conformance suite on the servlet transport in Jetty 12 (ee10): {@link SseServlet}, {@link ServletSse#stream}. */
class JettyConformanceIT extends TransportConformance {

  @Override
  protected SseHost host() {
    return ServletHost.servlets(Containers::jetty);
  }
}
