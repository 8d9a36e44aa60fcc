package dev.herald.sse.servlet;

import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TopicScenarios;

/** The topic scenarios on the servlet transport in Tomcat 11: {@link SseServlet}. */
class TomcatTopicsIT extends TopicScenarios {

  @Override
  protected SseHost host() {
    return ServletHost.servlets(Containers::tomcat);
  }
}
