package dev.herald.sse.servlet;

import dev.herald.sse.testkit.Http2Conformance;
import dev.herald.sse.testkit.SseHost;

/** The conformance suite over HTTP/2 on the servlet transport in Jetty 12 (ee10), over h2c (prior knowledge). */
class JettyH2cConformanceIT extends Http2Conformance {

  JettyH2cConformanceIT() {
    super(Mode.H2C);
  }

  @Override
  protected SseHost host() {
    return ServletHost.servlets(Containers::jettyH2c);
  }
}
