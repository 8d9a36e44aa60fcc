package dev.herald.sse.examples;

/** A started example server. */
public interface RunningServer extends AutoCloseable {

  /**
   * Returns the port the server listens on (the real one when started on port 0).
   *
   * @return the bound port
   */
  int port();

  /** Stops accepting connections and stops the server, within a couple of seconds. */
  @Override
  void close();
}
