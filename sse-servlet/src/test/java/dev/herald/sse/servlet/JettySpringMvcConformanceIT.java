package dev.herald.sse.servlet;

import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TransportConformance;

/** The conformance suite on the servlet transport behind Spring MVC, in Jetty 12 (ee10). */
class JettySpringMvcConformanceIT extends TransportConformance {

  @Override
  protected SseHost host() {
    return ServletHost.springMvc(Containers::jetty);
  }

  @Override
  protected boolean routesMethodsItself() {
    return true; // Spring answers POST to a @GetMapping before the controller runs
  }
}
