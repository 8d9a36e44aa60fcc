package dev.herald.sse.netty;

import dev.herald.sse.testkit.ReliabilityScenarios;
import dev.herald.sse.testkit.SseHost;
import java.time.Duration;

/**
 * The reliability suite on Netty (NIO), with every leaked buffer failing the test (see {@link NettyHost}).
 */
class NettyReliabilityIT extends ReliabilityScenarios {

  @Override
  protected SseHost host() {
    return new NettyHost();
  }

  @Override
  protected Duration closeDetection() {
    return Duration.ZERO; // channelInactive reports a close at once
  }
}
