package dev.herald.sse.servlet;

import dev.herald.sse.testkit.TestServer;
import jakarta.servlet.http.HttpServlet;
import java.util.Map;

/** The servlet transport on Jetty 12 (ee10, Servlet 6). */
class JettyServletSseIT extends AbstractServletSseIT {
  @Override
  TestServer start(Map<String, HttpServlet> servlets) throws Exception {
    return Containers.jetty(servlets);
  }
}
