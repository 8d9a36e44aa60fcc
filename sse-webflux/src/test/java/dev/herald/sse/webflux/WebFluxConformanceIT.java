package dev.herald.sse.webflux;

import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TransportConformance;

/**
 * The conformance suite on WebFlux handler functions and Reactor Netty, with every leaked buffer failing the test
 * (see {@link WebFluxHost}).
 */
class WebFluxConformanceIT extends TransportConformance {

  @Override
  protected SseHost host() {
    return new WebFluxHost();
  }
}
