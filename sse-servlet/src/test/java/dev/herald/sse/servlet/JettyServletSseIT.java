package dev.herald.sse.servlet;

import jakarta.servlet.http.HttpServlet;
import java.util.Map;

/** The servlet transport on Jetty 12 (ee10, Servlet 6). */
class JettyServletSseIT extends AbstractServletSseIT {
  @Override
  TestServer start(Map<String, HttpServlet> servlets) throws Exception {
    return TestServer.jetty(servlets);
  }
}
