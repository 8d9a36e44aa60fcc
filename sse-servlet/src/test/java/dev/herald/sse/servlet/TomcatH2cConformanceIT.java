package dev.herald.sse.servlet;

import dev.herald.sse.testkit.Http2Conformance;
import dev.herald.sse.testkit.SseHost;

/** The conformance suite over HTTP/2 on the servlet transport in Tomcat 11, over h2c (prior knowledge). */
class TomcatH2cConformanceIT extends Http2Conformance {

  TomcatH2cConformanceIT() {
    super(Mode.H2C);
  }

  @Override
  protected SseHost host() {
    return ServletHost.servlets(Containers::tomcatH2c);
  }
}
