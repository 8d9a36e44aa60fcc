package dev.herald.sse.testkit;

/**
 * A running server under test, listening on 127.0.0.1: its port, and how to stop it.
 *
 * <p><b>Ownership.</b> Whoever started it stops it; the suites stop the servers they start after each test. Stopping
 * twice is harmless.
 */
public interface TestServer {

  /**
   * Returns the port it listens on.
   *
   * @return the port
   */
  int port();

  /**
   * Stops it: no more connections, and every open one closed.
   *
   * @throws Exception if stopping fails
   */
  void stop() throws Exception;
}
