package dev.herald.sse.servlet;

import dev.herald.sse.testkit.Http2Conformance;
import dev.herald.sse.testkit.SseHost;

/** The conformance suite over HTTP/2 on the servlet transport in Jetty 12 (ee10), over h2 (TLS, ALPN). */
class JettyH2ConformanceIT extends Http2Conformance {

  JettyH2ConformanceIT() {
    super(Mode.H2);
  }

  @Override
  protected SseHost host() {
    return ServletHost.servlets(Containers::jettyH2);
  }
}
