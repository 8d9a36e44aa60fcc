/**
 * Herald's engine: the wire encoder, bounded channels, the default {@code Broadcaster} and its configuration.
 * Its {@code internal} package is not exported.
 */
module dev.herald.sse.core {
  requires transitive dev.herald.sse;
  requires static transitive org.jspecify;
  requires org.slf4j;

  exports dev.herald.sse.core;
  exports dev.herald.sse.core.spi;
}
