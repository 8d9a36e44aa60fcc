package dev.herald.sse.servlet;

import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TopicScenarios;

/** The topic scenarios on the servlet transport behind Spring MVC, in Tomcat 11. */
class TomcatSpringMvcTopicsIT extends TopicScenarios {

  @Override
  protected SseHost host() {
    return ServletHost.springMvc(Containers::tomcat);
  }
}
