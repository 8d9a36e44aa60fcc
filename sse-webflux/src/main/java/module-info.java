/**
 * Herald's Spring WebFlux transport: streams to a WebFlux response on Reactor Netty, paced by Reactive Streams
 * demand and the connection's writability. Its {@code internal} package is not exported.
 */
module dev.herald.sse.webflux {
  requires transitive dev.herald.sse.core;
  // The API takes WebFlux's ServerRequest and ServerWebExchange and returns Reactor's Mono and a RouterFunction,
  // whose signatures name types from each of these modules.
  requires transitive spring.core;
  requires transitive spring.web;
  requires transitive spring.webflux;
  requires transitive reactor.core;
  requires transitive org.reactivestreams;
  // Used inside only: the connection's event loop, writability and close, and the request's HTTP version
  // (Reactor Netty, Netty).
  requires dev.herald.sse.netty; // its internal UnsentLimit, exported to this module alone
  requires reactor.netty.core;
  requires reactor.netty.http;
  requires io.netty.codec.http;
  requires io.netty.common;
  requires io.netty.transport;
  requires static transitive org.jspecify;
  requires org.slf4j;

  exports dev.herald.sse.webflux;
}
