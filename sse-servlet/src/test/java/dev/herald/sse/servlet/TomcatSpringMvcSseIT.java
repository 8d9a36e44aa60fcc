package dev.herald.sse.servlet;

import dev.herald.sse.testkit.TestServer;
import jakarta.servlet.http.HttpServlet;
import java.util.Map;

/** The README's Spring MVC usage on embedded Tomcat 11. */
class TomcatSpringMvcSseIT extends AbstractSpringMvcSseIT {
  @Override
  TestServer start(Map<String, HttpServlet> servlets) throws Exception {
    return Containers.tomcat(servlets);
  }
}
