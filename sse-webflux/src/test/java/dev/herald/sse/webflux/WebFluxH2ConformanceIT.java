package dev.herald.sse.webflux;

import dev.herald.sse.testkit.Http2Conformance;
import dev.herald.sse.testkit.SseHost;

/**
 * The conformance suite over HTTP/2 on WebFlux handler functions and Reactor Netty, over h2 (TLS, ALPN), with every leaked
 * buffer failing the test (see {@link WebFluxHost}).
 */
class WebFluxH2ConformanceIT extends Http2Conformance {

  WebFluxH2ConformanceIT() {
    super(Mode.H2);
  }

  @Override
  protected SseHost host() {
    return WebFluxHost.overH2();
  }
}
