package dev.herald.sse.servlet;

import dev.herald.sse.testkit.TestServer;
import jakarta.servlet.http.HttpServlet;
import java.util.Map;

/** The README's Spring MVC usage on Jetty 12 (ee10, Servlet 6). */
class JettySpringMvcSseIT extends AbstractSpringMvcSseIT {
  @Override
  TestServer start(Map<String, HttpServlet> servlets) throws Exception {
    return Containers.jetty(servlets);
  }
}
