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
  requires java.logging;
  requires java.management;
  requires static transitive org.jspecify;

  exports dev.herald.sse.testkit;
}
