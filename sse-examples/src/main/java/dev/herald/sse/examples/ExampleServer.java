package dev.herald.sse.examples;

/** The example server's entry point; the server itself arrives with the transports. */
public final class ExampleServer {
  private ExampleServer() {}

  /**
   * Explains that the example server is not built yet.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    System.out.println("Herald example server: not built yet; it arrives with the Netty and Servlet transports.");
  }
}
