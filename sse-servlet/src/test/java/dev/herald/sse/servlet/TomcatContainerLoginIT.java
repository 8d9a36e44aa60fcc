package dev.herald.sse.servlet;

import dev.herald.sse.testkit.TestServer;
import jakarta.servlet.http.HttpServlet;
import java.util.Map;

/** The container's Basic login reaching the authorizer, on embedded Tomcat 11: its realm's principal. */
class TomcatContainerLoginIT extends AbstractContainerLoginIT {
  @Override
  TestServer start(Map<String, HttpServlet> servlets, Map<String, String> passwords) throws Exception {
    return Containers.tomcatWithBasicLogin(servlets, passwords);
  }
}
