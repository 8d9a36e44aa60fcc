/**
 * Herald's spec-following event-stream parser, for reading streams back in tests.
 */
module dev.herald.sse.testkit.parser {
  requires static transitive org.jspecify;

  exports dev.herald.sse.testkit.parser;
}
