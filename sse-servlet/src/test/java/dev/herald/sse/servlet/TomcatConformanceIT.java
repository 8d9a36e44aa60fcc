package dev.herald.sse.servlet;

import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TransportConformance;

/** The conformance suite on the servlet transport in Tomcat 11: {@link SseServlet} and {@link ServletSse#stream}. */
class TomcatConformanceIT extends TransportConformance {

  @Override
  protected SseHost host() {
    return ServletHost.servlets(Containers::tomcat);
  }
}
