package dev.herald.sse.servlet;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.testing.ReliabilityScenarios;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The reliability suite on the servlet transport in Jetty 12 (ee10). Jetty runs with a fixed thread pool so that
 * thread counts before and after can be compared.
 */
class JettyReliabilityIT extends ReliabilityScenarios {

  @Override
  protected TestServer start(Broadcaster broadcaster, int sendBuffer, boolean smallOutputBuffer) throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(24, 24);
    threads.setName("jetty");
    Server jetty = new Server(threads);
    ServerConnector connector = new ServerConnector(jetty, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    if (sendBuffer > 0) {
      connector.setAcceptedSendBufferSize(sendBuffer);
    }
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    ServletHolder holder = new ServletHolder(new SseServlet(broadcaster));
    holder.setAsyncSupported(true);
    context.addServlet(holder, "/events");
    jetty.setHandler(context);
    jetty.start();
    int port = connector.getLocalPort();
    return new TestServer() {
      @Override
      public int port() {
        return port;
      }

      @Override
      public void stop() throws Exception {
        if (!jetty.isStopped()) {
          jetty.stop();
        }
      }
    };
  }

  @Override
  protected Duration closeDetection() {
    // A servlet container sees a client that closed an idle stream only at the next write: the heartbeat's.
    return Duration.ofMillis(50);
  }
}
