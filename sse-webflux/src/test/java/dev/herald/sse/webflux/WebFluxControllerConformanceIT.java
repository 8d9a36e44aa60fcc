package dev.herald.sse.webflux;

import dev.herald.sse.testkit.ServerSetup;
import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TransportConformance;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.reactive.config.EnableWebFlux;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

/**
 * The conformance suite on an annotated WebFlux controller ({@link EventsController}) behind Spring's
 * {@code DispatcherHandler}, on Reactor Netty, with every leaked buffer failing the test.
 */
class WebFluxControllerConformanceIT extends TransportConformance {

  @Override
  protected SseHost host() {
    return new WebFluxHost(WebFluxControllerConformanceIT::app);
  }

  private static WebFluxHost.App app(ServerSetup setup) {
    AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
    context.registerBean(ServerSetup.class, () -> setup);
    context.register(ControllerApp.class);
    context.refresh();
    return new WebFluxHost.App(WebHttpHandlerBuilder.applicationContext(context).build(), context);
  }

  /** WebFlux's annotated-controller configuration with the one controller. */
  @Configuration(proxyBeanMethods = false)
  @EnableWebFlux
  @Import(EventsController.class)
  static class ControllerApp {}
}
