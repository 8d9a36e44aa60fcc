package dev.herald.sse.servlet;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.testkit.ReliabilityScenarios;
import java.time.Duration;
import java.util.Map;

/** The reliability suite on the servlet transport in Jetty 12 (ee10). The server is {@link dev.herald.sse.servlet.TestServer#jetty}, with a fixed thread pool. */
class JettyReliabilityIT extends ReliabilityScenarios {

  @Override
  protected TestServer start(Broadcaster broadcaster, int sendBuffer, boolean smallOutputBuffer) throws Exception {
    dev.herald.sse.servlet.TestServer server =
        dev.herald.sse.servlet.TestServer.jetty(Map.of("/events", new SseServlet(broadcaster)), sendBuffer);
    return new TestServer() {
      @Override
      public int port() {
        return server.port();
      }

      @Override
      public void stop() throws Exception {
        server.stop();
      }
    };
  }

  @Override
  protected Duration closeDetection() {
    // A servlet container sees a client that closed an idle stream only at the next write: the heartbeat's.
    return Duration.ofMillis(50);
  }
}
