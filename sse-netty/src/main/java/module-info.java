/**
 * Herald's Netty transport: streams to a Netty HTTP/1.1 response, or an HTTP/2 stream, on the channel's event loop. Its
 * {@code internal} package is exported to Herald's WebFlux transport alone.
 */
// "module": the qualified export below names a module built after this one, which javac cannot see yet.
@SuppressWarnings("module")
module dev.herald.sse.netty {
  requires transitive dev.herald.sse.core;
  // The API takes Netty's ChannelHandlerContext and HttpRequest and its handlers are Netty handlers, whose
  // methods name types from each of these modules; Netty's own descriptors require one another without
  // "transitive", so Herald passes on every one its users meet.
  requires transitive io.netty.buffer;
  requires transitive io.netty.codec;
  requires transitive io.netty.codec.http;
  // Only NettyHttp2 uses HTTP/2 and TLS; an application that serves HTTP/1.1 alone need not have them.
  requires static transitive io.netty.codec.http2;
  requires static transitive io.netty.handler;
  // Only to bound the kernel's unsent bytes on native epoll connections (TCP_NOTSENT_LOWAT); not needed on NIO.
  requires static io.netty.transport.classes.epoll;
  requires transitive io.netty.common;
  requires transitive io.netty.transport;
  requires static transitive org.jspecify;
  requires org.slf4j;

  exports dev.herald.sse.netty;
  // To Herald's other Netty-based transport only: what they share (UnsentLimit). Not an API.
  exports dev.herald.sse.netty.internal to dev.herald.sse.webflux;
}
