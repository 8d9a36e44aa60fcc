package dev.herald.sse.servlet;

import dev.herald.sse.testkit.Http2Conformance;
import dev.herald.sse.testkit.SseHost;

/** The conformance suite over HTTP/2 on the servlet transport in Tomcat 11, over h2 (TLS, ALPN). */
class TomcatH2ConformanceIT extends Http2Conformance {

  TomcatH2ConformanceIT() {
    super(Mode.H2);
  }

  @Override
  protected SseHost host() {
    return ServletHost.servlets(Containers::tomcatH2);
  }
}
