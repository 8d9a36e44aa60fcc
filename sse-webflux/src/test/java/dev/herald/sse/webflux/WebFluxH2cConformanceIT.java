package dev.herald.sse.webflux;

import dev.herald.sse.testkit.Http2Conformance;
import dev.herald.sse.testkit.SseHost;

/**
 * The conformance suite over HTTP/2 on WebFlux handler functions and Reactor Netty, over h2c (prior knowledge), with every leaked
 * buffer failing the test (see {@link WebFluxHost}).
 */
class WebFluxH2cConformanceIT extends Http2Conformance {

  WebFluxH2cConformanceIT() {
    super(Mode.H2C);
  }

  @Override
  protected SseHost host() {
    return WebFluxHost.overH2c();
  }
}
