package dev.herald.sse.servlet;

import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TransportConformance;

/** The conformance suite on the servlet transport behind Spring MVC, in Tomcat 11. */
class TomcatSpringMvcConformanceIT extends TransportConformance {

  @Override
  protected SseHost host() {
    return ServletHost.springMvc(Containers::tomcat);
  }

  @Override
  protected boolean routesMethodsItself() {
    return true; // Spring answers POST to a @GetMapping before the controller runs
  }
}
