package dev.herald.sse.netty;

import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TransportConformance;

/**
 * The conformance suite on a Netty server made with {@link NettyHttp2#cleartext}, over HTTP/1.1: serving HTTP/2 on
 * the same port must change nothing for an HTTP/1.1 client. {@link NettyHttp2IT} covers the HTTP/2 side.
 */
class NettyHttp2CleartextConformanceIT extends TransportConformance {

  @Override
  protected SseHost host() {
    return NettyHost.overHttp2Cleartext();
  }
}
