package dev.herald.sse.servlet;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.testing.ReliabilityScenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;

/**
 * The reliability suite on the servlet transport in Tomcat 11. Tomcat's request threads are fixed (as many spare as
 * at most) so that thread counts before and after can be compared.
 */
class TomcatReliabilityIT extends ReliabilityScenarios {

  @Override
  protected TestServer start(Broadcaster broadcaster, int sendBuffer, boolean smallOutputBuffer) throws Exception {
    Path baseDir = Files.createTempDirectory("herald-tomcat");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    connector.setProperty("maxThreads", "24");
    connector.setProperty("minSpareThreads", "24");
    if (sendBuffer > 0) {
      connector.setProperty("socket.txBufSize", Integer.toString(sendBuffer));
    }
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("", baseDir.toString());
    // The web-app class loader's leak hunt needs --add-opens and warns without it on every stop; an embedded
    // server has no web app to unload, so it is off.
    ((StandardContext) context).setClearReferencesThreadLocals(false);
    ((StandardContext) context).setClearReferencesRmiTargets(false);
    Wrapper wrapper = Tomcat.addServlet(context, "events", new SseServlet(broadcaster));
    wrapper.setAsyncSupported(true);
    context.addServletMapping("/events", "events");
    tomcat.start();
    int port = connector.getLocalPort();
    return new TestServer() {
      @Override
      public int port() {
        return port;
      }

      @Override
      public void stop() throws Exception {
        if (tomcat.getServer().getState().isAvailable()) {
          tomcat.stop();
          tomcat.destroy();
        }
      }
    };
  }

  @Override
  protected int headersTooLargeStatus() {
    return 400; // Tomcat refuses oversized headers with 400 Bad Request, before any servlet runs
  }

  @Override
  protected Duration closeDetection() {
    // A servlet container sees a client that closed an idle stream only at the next write: the heartbeat's.
    return Duration.ofMillis(50);
  }
}
