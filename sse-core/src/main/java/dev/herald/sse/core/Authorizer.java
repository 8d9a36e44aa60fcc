package dev.herald.sse.core;

/**
 * Decides, from a request for an event stream, whether it may have one, who the client is and which topics it may
 * subscribe to: the one place an application authorizes streams, the same on Netty, every servlet container and
 * Spring MVC. The handshake asks it before any byte of the stream is sent; a refusal is answered with its status
 * and reason, and a request for a topic outside the grant with {@code 403}.
 *
 * <pre>{@code
 * Authorizer byCookie = request -> {
 *   String user = sessions.user(request.cookie("session"));      // your own check
 *   if (user == null) {
 *     return Access.unauthorized("sign in first");
 *   }
 *   return Access.grant(user, List.of("rooms/*", "users/" + user))
 *       .withSubscribed(List.of("users/" + user))
 *       .withMaxStreams(5);
 * };
 * StreamConfig config = StreamConfig.builder().authorizer(byCookie).build();
 * }</pre>
 *
 * <p><b>Threading.</b> Called on the transport's thread for each {@code GET} and {@code HEAD}, often an I/O thread
 * (Netty's event loop): it must not block. Look credentials up in memory, or verify a signed token; keep a slow
 * lookup off the request path. It may be called on many threads at once. An exception it throws is logged and the
 * request refused with {@code 500}: a stream is never opened when the decision failed.
 */
@FunctionalInterface
public interface Authorizer {

  /**
   * Decides on one request.
   *
   * @param request the request, readable only during this call
   * @return the decision
   */
  Access decide(SseRequest request);

  /**
   * Returns the authorizer that grants every request any topic, anonymously: the default.
   *
   * @return the authorizer
   */
  static Authorizer anyone() {
    return request -> Access.anyone();
  }
}
