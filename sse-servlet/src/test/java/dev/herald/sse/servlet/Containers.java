package dev.herald.sse.servlet;

import dev.herald.sse.testkit.TestServer;
import jakarta.servlet.http.HttpServlet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http2.Http2Protocol;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Real servlet containers on an ephemeral port, with servlets mapped by path, all async-supported and initialized
 * when the server starts (so a servlet that fails to initialize fails the start, and a framework servlet such as
 * Spring's {@code DispatcherServlet} has its application context ready before the first request). Its request
 * threads are a fixed pool, so that tests can compare thread counts before and after.
 */
final class Containers {
  private Containers() {}

  /** Starts a container with these servlets, each mapped at its path. */
  @FunctionalInterface
  interface Container {
    /** Starts it; its accepted sockets have this send buffer (0 for the default). */
    TestServer start(Map<String, HttpServlet> servlets, int sendBuffer) throws Exception;
  }

  /** Starts Jetty 12 with its ee10 (Servlet 6) environment. */
  static TestServer jetty(Map<String, HttpServlet> servlets) throws Exception {
    return jetty(servlets, 0);
  }

  /** Starts Jetty 12 (ee10) whose accepted sockets have this send buffer (0 for the default). */
  static TestServer jetty(Map<String, HttpServlet> servlets, int sendBuffer) throws Exception {
    return jetty(servlets, sendBuffer, false);
  }

  /**
   * Starts Jetty 12 (ee10) speaking HTTP/1.1 and cleartext HTTP/2 on one port, as its documentation configures it:
   * an {@code HTTP2CServerConnectionFactory} beside the HTTP/1.1 one, for prior knowledge and
   * {@code Upgrade: h2c}.
   */
  static TestServer jettyH2c(Map<String, HttpServlet> servlets) throws Exception {
    return jetty(servlets, 0, true);
  }

  private static TestServer jetty(Map<String, HttpServlet> servlets, int sendBuffer, boolean h2c) throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(24, 24);
    threads.setName("jetty");
    Server server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    ServerConnector connector = h2c
        ? new ServerConnector(server, 1, 1, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http))
        : new ServerConnector(server, 1, 1);
    connector.setPort(0);
    connector.setHost("127.0.0.1");
    if (sendBuffer > 0) {
      connector.setAcceptedSendBufferSize(sendBuffer);
    }
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    servlets.forEach((path, servlet) -> {
      ServletHolder holder = new ServletHolder(servlet);
      holder.setAsyncSupported(true);
      holder.setInitOrder(1);
      context.addServlet(holder, path);
    });
    server.setHandler(context);
    server.start();
    int port = connector.getLocalPort();
    return new TestServer() {
      @Override
      public int port() {
        return port;
      }

      @Override
      public void stop() throws Exception {
        if (!server.isStopped()) {
          server.stop();
        }
      }
    };
  }

  /** Starts an embedded Tomcat 11. */
  static TestServer tomcat(Map<String, HttpServlet> servlets) throws Exception {
    return tomcat(servlets, 0);
  }

  /** Starts an embedded Tomcat 11 whose accepted sockets have this send buffer (0 for the default). */
  static TestServer tomcat(Map<String, HttpServlet> servlets, int sendBuffer) throws Exception {
    return tomcat(servlets, sendBuffer, false);
  }

  /**
   * Starts an embedded Tomcat 11 speaking HTTP/1.1 and cleartext HTTP/2 on one port, as its documentation
   * configures it: {@code Http2Protocol} as the connector's upgrade protocol, for {@code Upgrade: h2c} and prior
   * knowledge.
   */
  static TestServer tomcatH2c(Map<String, HttpServlet> servlets) throws Exception {
    return tomcat(servlets, 0, true);
  }

  private static TestServer tomcat(Map<String, HttpServlet> servlets, int sendBuffer, boolean h2c)
      throws Exception {
    Path base = Files.createTempDirectory("herald-tomcat");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    tomcat.setHostname("127.0.0.1");
    tomcat.setPort(0);
    Connector connector = tomcat.getConnector();
    connector.setProperty("address", "127.0.0.1");
    connector.setProperty("maxThreads", "24");
    connector.setProperty("minSpareThreads", "24");
    if (sendBuffer > 0) {
      connector.setProperty("socket.txBufSize", Integer.toString(sendBuffer));
    }
    if (h2c) {
      connector.addUpgradeProtocol(new Http2Protocol());
    }
    Context context = tomcat.addContext("", base.toString());
    // The web-app class loader's leak hunt needs --add-opens and warns without it on every stop; an embedded
    // server has no web app to unload, so it is off.
    ((StandardContext) context).setClearReferencesThreadLocals(false);
    ((StandardContext) context).setClearReferencesRmiTargets(false);
    // A servlet that fails to initialize fails the context (checked after the start below), as on Jetty.
    ((StandardContext) context).setFailCtxIfServletStartFails(true);
    int[] n = {0};
    servlets.forEach((path, servlet) -> {
      String name = "servlet" + n[0]++;
      Wrapper wrapper = Tomcat.addServlet(context, name, servlet);
      wrapper.setAsyncSupported(true);
      wrapper.setLoadOnStartup(1);
      wrapper.addMapping(path);
    });
    tomcat.start();
    int port = tomcat.getConnector().getLocalPort();
    TestServer server = new TestServer() {
      @Override
      public int port() {
        return port;
      }

      @Override
      public void stop() throws Exception {
        if (!tomcat.getServer().getState().isAvailable()) {
          return; // stopped already: a test may stop it and its clean-up stop it again
        }
        tomcat.stop();
        tomcat.destroy();
        try (Stream<Path> files = Files.walk(base)) {
          files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        }
      }
    };
    if (!context.getState().isAvailable()) {
      // Tomcat logs why and starts without the context; fail here, as Jetty does, not at the first request.
      server.stop();
      throw new IllegalStateException("the servlet context failed to start; the log above says why");
    }
    return server;
  }
}
