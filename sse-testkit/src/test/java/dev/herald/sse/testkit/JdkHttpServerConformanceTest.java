package dev.herald.sse.testkit;

/** The conformance suite on the README's teaching transport, the JDK's own HTTP server. */
class JdkHttpServerConformanceTest extends TransportConformance {

  @Override
  protected SseHost host() {
    return new JdkHttpServerHost();
  }
}
