/**
 * Herald's application API: the Server-Sent Events vocabulary, {@code Sender}, {@code Broadcaster} and the
 * transport SPI.
 */
module dev.herald.sse {
  // JSpecify's annotations are on this module's API, so readers of it read them too (transitive), but nothing
  // needs them at run time (static).
  requires static transitive org.jspecify;

  exports dev.herald.sse;
  exports dev.herald.sse.spi;
}
