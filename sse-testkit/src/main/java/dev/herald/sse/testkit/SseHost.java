package dev.herald.sse.testkit;

/**
 * A transport in its host (Netty, a servlet container, Spring MVC in a container...), as the test kit's suites
 * start it: the one thing a transport's test class provides.
 *
 * <p>A host serves, on 127.0.0.1 and any free port:
 * <ul>
 *   <li>{@code /events}: the setup's {@link ServerSetup#broadcaster() broadcaster}, the way an application of that
 *       host would serve one, with the setup's {@link ServerSetup#streamConfig() configuration};
 *   <li>{@code /stream}: a stream to each client alone, through the transport's own per-client API (the one that
 *       gives the application a {@link dev.herald.sse.Sender}), with the same configuration, handing each sender to
 *       {@link ServerSetup#onStream()};
 * </ul>
 * and answers other paths with an error status.
 *
 * <pre>{@code
 * class NettyConformanceIT extends TransportConformance {
 *   @Override
 *   protected SseHost host() {
 *     return new NettyHost();
 *   }
 * }
 * }</pre>
 */
@FunctionalInterface
public interface SseHost {

  /**
   * Starts a server for this setup.
   *
   * @param setup what to serve, and how to size the server's buffers
   * @return the running server, which the caller stops
   * @throws Exception if it does not start
   */
  TestServer start(ServerSetup setup) throws Exception;

  /**
   * Checks what the host must not leave behind after each test (Netty's leaked buffers, say); called after the
   * test's servers stopped.
   *
   * @throws Exception if the check fails
   */
  default void afterEachTest() throws Exception {}
}
