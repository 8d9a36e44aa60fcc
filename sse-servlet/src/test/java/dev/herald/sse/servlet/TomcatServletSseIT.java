package dev.herald.sse.servlet;

import dev.herald.sse.testkit.TestServer;
import jakarta.servlet.http.HttpServlet;
import java.util.Map;

/** The servlet transport on embedded Tomcat 11. */
class TomcatServletSseIT extends AbstractServletSseIT {
  @Override
  TestServer start(Map<String, HttpServlet> servlets) throws Exception {
    return Containers.tomcat(servlets);
  }
}
