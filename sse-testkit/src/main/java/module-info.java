/**
 * Herald's test kit: HTTP clients and the conformance and reliability suites every transport runs.
 */
module dev.herald.sse.testkit {
  requires transitive dev.herald.sse.core;
  requires transitive dev.herald.sse.testkit.parser;
  requires transitive org.junit.jupiter.api;
  requires transitive org.junit.jupiter.params;
  requires transitive org.assertj.core;
  requires transitive java.net.http;
  requires transitive okhttp3;
  // NettyH2Client alone uses Netty, and names none of its types in its API.
  requires static io.netty.buffer;
  requires static io.netty.codec.http;
  requires static io.netty.codec.http2;
  requires static io.netty.common;
  requires static io.netty.handler;
  requires static io.netty.transport;
  requires java.logging;
  requires java.management;
  requires static transitive org.jspecify;

  exports dev.herald.sse.testkit;
}
