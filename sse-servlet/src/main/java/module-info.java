/**
 * Herald's Servlet transport: streams to a Servlet 6 async response with non-blocking I/O. Its {@code internal}
 * package is not exported.
 */
module dev.herald.sse.servlet {
  requires transitive dev.herald.sse.core;
  // ServletSse takes the request and response, and SseServlet is an HttpServlet.
  requires transitive jakarta.servlet;
  requires static transitive org.jspecify;
  requires org.slf4j;

  exports dev.herald.sse.servlet;
}
