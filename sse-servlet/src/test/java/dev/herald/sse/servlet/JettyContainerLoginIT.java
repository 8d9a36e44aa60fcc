package dev.herald.sse.servlet;

import dev.herald.sse.testkit.TestServer;
import jakarta.servlet.http.HttpServlet;
import java.util.Map;

/** The container's Basic login reaching the authorizer, on Jetty 12 (ee10): its security handler's principal. */
class JettyContainerLoginIT extends AbstractContainerLoginIT {
  @Override
  TestServer start(Map<String, HttpServlet> servlets, Map<String, String> passwords) throws Exception {
    return Containers.jettyWithBasicLogin(servlets, passwords);
  }
}
