package dev.herald.sse.netty;

import dev.herald.sse.testkit.Http2Conformance;
import dev.herald.sse.testkit.SseHost;

/**
 * The conformance suite over HTTP/2 on a Netty server made with {@link NettyHttp2#tls}, over h2 (TLS, ALPN).
 */
class NettyH2ConformanceIT extends Http2Conformance {

  NettyH2ConformanceIT() {
    super(Mode.H2);
  }

  @Override
  protected SseHost host() {
    return NettyHost.overHttp2Tls();
  }
}
