package dev.herald.sse.netty;

import dev.herald.sse.testkit.Http2Conformance;
import dev.herald.sse.testkit.SseHost;

/**
 * The conformance suite over HTTP/2 on a Netty server made with {@link NettyHttp2#cleartext}, over h2c (prior
 * knowledge).
 */
class NettyH2cConformanceIT extends Http2Conformance {

  NettyH2cConformanceIT() {
    super(Mode.H2C);
  }

  @Override
  protected SseHost host() {
    return NettyHost.overHttp2Cleartext();
  }
}
