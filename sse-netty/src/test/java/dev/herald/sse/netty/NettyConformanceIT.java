package dev.herald.sse.netty;

import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TransportConformance;

/** The conformance suite on Netty (NIO), with every leaked buffer failing the test (see {@link NettyHost}). */
class NettyConformanceIT extends TransportConformance {

  @Override
  protected SseHost host() {
    return new NettyHost();
  }
}
