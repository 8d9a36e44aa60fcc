package dev.herald.sse.webflux;

import dev.herald.sse.testkit.ReliabilityScenarios;
import dev.herald.sse.testkit.SseHost;
import java.time.Duration;

/**
 * The reliability suite on WebFlux handler functions and Reactor Netty, with every leaked buffer failing the test
 * (see {@link WebFluxHost}).
 */
class WebFluxReliabilityIT extends ReliabilityScenarios {

  @Override
  protected SseHost host() {
    return new WebFluxHost();
  }

  @Override
  protected Duration closeDetection() {
    return Duration.ZERO; // Reactor Netty cancels the response when the connection closes
  }
}
