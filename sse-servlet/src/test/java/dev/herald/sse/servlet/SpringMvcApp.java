package dev.herald.sse.servlet;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Sender;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.testkit.ServerSetup;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * A Spring MVC application for the test kit's suites, as the README's Spring MVC usage writes it: a
 * {@link DispatcherServlet} at {@code /} and a controller whose {@code @GetMapping} methods call
 * {@link ServletSse#serve} ({@code /events}) and {@link ServletSse#stream} ({@code /stream}).
 */
final class SpringMvcApp {
  private SpringMvcApp() {}

  /** Returns the application's servlets by path, serving this setup. */
  static Map<String, HttpServlet> servlets(ServerSetup setup) {
    AnnotationConfigWebApplicationContext context = new AnnotationConfigWebApplicationContext();
    context.register(WebConfig.class);
    // A ready instance, not a bean Spring makes: Spring would close a Broadcaster bean with the context.
    context.addBeanFactoryPostProcessor(beans -> beans.registerSingleton("streamController",
        new StreamController(setup.broadcaster(), setup.streamConfig(), setup.onStream())));
    // The servlet refreshes the context when the container initializes it, and closes it when the container stops.
    return Map.of("/", new DispatcherServlet(context));
  }

  /** Spring MVC, configured by annotations as an application would. */
  @Configuration
  @EnableWebMvc
  static class WebConfig {}

  /** The README's controller shape, with the suite's broadcaster and per-client stream. */
  @RestController
  static final class StreamController {
    private final Broadcaster broadcaster;
    private final StreamConfig config;
    private final Consumer<? super Sender> onOpen;

    StreamController(Broadcaster broadcaster, StreamConfig config, Consumer<? super Sender> onOpen) {
      this.broadcaster = broadcaster;
      this.config = config;
      this.onOpen = onOpen;
    }

    @GetMapping("/events")
    void events(HttpServletRequest request, HttpServletResponse response) throws IOException {
      ServletSse.serve(request, response, broadcaster, config);
    }

    @GetMapping("/stream")
    void stream(HttpServletRequest request, HttpServletResponse response) throws IOException {
      ServletSse.stream(request, response, config, onOpen);
    }
  }
}
