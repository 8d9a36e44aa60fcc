package dev.herald.sse.servlet;

import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TopicScenarios;

/** The topic scenarios on the servlet transport in Jetty 12 (ee10): {@link SseServlet}. */
class JettyTopicsIT extends TopicScenarios {

  @Override
  protected SseHost host() {
    return ServletHost.servlets(Containers::jetty);
  }
}
