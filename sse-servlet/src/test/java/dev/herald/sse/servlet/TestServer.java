package dev.herald.sse.servlet;

import jakarta.servlet.http.HttpServlet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** A real servlet container on an ephemeral port, with servlets mapped by path, all async-supported. */
interface TestServer {

  /** Returns the port the server listens on. */
  int port();

  /** Stops the server. */
  void stop() throws Exception;

  /** Starts Jetty 12 with its ee10 (Servlet 6) environment. */
  static TestServer jetty(Map<String, HttpServlet> servlets) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setPort(0);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    servlets.forEach((path, servlet) -> {
      ServletHolder holder = new ServletHolder(servlet);
      holder.setAsyncSupported(true);
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
        server.stop();
      }
    };
  }

  /** Starts an embedded Tomcat 11. */
  static TestServer tomcat(Map<String, HttpServlet> servlets) throws Exception {
    Path base = Files.createTempDirectory("herald-tomcat");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    tomcat.setHostname("127.0.0.1");
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context context = tomcat.addContext("", base.toString());
    int[] n = {0};
    servlets.forEach((path, servlet) -> {
      String name = "servlet" + n[0]++;
      Wrapper wrapper = Tomcat.addServlet(context, name, servlet);
      wrapper.setAsyncSupported(true);
      wrapper.addMapping(path);
    });
    tomcat.start();
    int port = tomcat.getConnector().getLocalPort();
    return new TestServer() {
      @Override
      public int port() {
        return port;
      }

      @Override
      public void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
      }
    };
  }
}
