package dev.herald.sse.bench.server;

import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The bench servlet in embedded Jetty 12 (ee10) or Tomcat 11, as sse-examples starts them, with the settings that
 * tens of thousands of long-lived streams need:
 *
 * <ul>
 *   <li>Jetty: no connection limit by default; the accept queue raised to 8,192 and the idle timeout to one hour
 *       (the default 30 s would cut a held stream that sends nothing, such as the idle floor's); the default
 *       thread pool (at most 200), since an async stream holds no thread.
 *   <li>Tomcat (NIO): {@code maxConnections} raised from 8,192 to 100,000 and {@code acceptCount} from 100 to
 *       8,192; the default 200 threads. ServletSse sets the async timeout to none.
 * </ul>
 */
final class ServletContainer implements AutoCloseable {
  static final int ACCEPT_QUEUE = 8192;
  static final int TOMCAT_MAX_CONNECTIONS = 100_000;
  static final long JETTY_IDLE_TIMEOUT_MS = 3_600_000;
  private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");

  private final AutoCloseable stop;
  private final int port;

  private ServletContainer(AutoCloseable stop, int port) {
    this.stop = stop;
    this.port = port;
  }

  static ServletContainer start(String container, HttpServlet servlet, String host, int port) throws Exception {
    return start(container, servlet, host, port, 0);
  }

  /**
   * Starts the container; {@code sendBuffer} above 0 sets each accepted socket's {@code SO_SNDBUF} (Jetty's
   * {@code acceptedSendBufferSize}, Tomcat's {@code socket.txBufSize}), which also turns off the kernel's
   * autotuning of that buffer; 0 leaves the kernel's default.
   */
  static ServletContainer start(String container, HttpServlet servlet, String host, int port, int sendBuffer)
      throws Exception {
    return container.equals("jetty") ? jetty(servlet, host, port, sendBuffer) : tomcat(servlet, host, port, sendBuffer);
  }

  private static ServletContainer jetty(HttpServlet servlet, String host, int port, int sendBuffer)
      throws Exception {
    Server server = new Server(new QueuedThreadPool());
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(new HttpConfiguration()));
    connector.setHost(host);
    connector.setPort(port);
    connector.setAcceptQueueSize(ACCEPT_QUEUE);
    connector.setIdleTimeout(JETTY_IDLE_TIMEOUT_MS);
    if (sendBuffer > 0) {
      connector.setAcceptedSendBufferSize(sendBuffer);
    }
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    ServletHolder holder = new ServletHolder("bench", servlet);
    holder.setAsyncSupported(true);
    context.addServlet(holder, "/*");
    server.setHandler(context);
    server.setStopTimeout(2_000);
    server.start();
    return new ServletContainer(server::stop, connector.getLocalPort());
  }

  private static ServletContainer tomcat(HttpServlet servlet, String host, int port, int sendBuffer)
      throws Exception {
    TOMCAT_LOG.setLevel(Level.WARNING);
    Path baseDir = Files.createTempDirectory("herald-bench-tomcat");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = new Connector();
    connector.setPort(port);
    connector.setProperty("address", host);
    connector.setProperty("maxConnections", Integer.toString(TOMCAT_MAX_CONNECTIONS));
    connector.setProperty("acceptCount", Integer.toString(ACCEPT_QUEUE));
    if (sendBuffer > 0) {
      connector.setProperty("socket.txBufSize", Integer.toString(sendBuffer));
    }
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("", baseDir.toString());
    Wrapper wrapper = Tomcat.addServlet(context, "bench", servlet);
    wrapper.setAsyncSupported(true);
    context.addServletMapping("/*", "bench");
    tomcat.start();
    return new ServletContainer(() -> {
      tomcat.stop();
      tomcat.destroy();
      deleteQuietly(baseDir);
    }, connector.getLocalPort());
  }

  int port() {
    return port;
  }

  @Override
  public void close() {
    try {
      stop.close();
    } catch (Exception e) {
      throw new IllegalStateException("the container did not stop cleanly", e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // a leftover temporary directory is harmless
    }
  }
}
