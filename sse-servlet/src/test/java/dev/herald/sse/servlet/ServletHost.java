package dev.herald.sse.servlet;

import dev.herald.sse.Sender;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.testkit.ServerSetup;
import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TestServer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The servlet transport in a container, for the test kit's suites: as a servlet application writes it
 * ({@link #servlets}), or behind Spring MVC ({@link #springMvc}).
 */
final class ServletHost implements SseHost {
  private final Containers.Container container;
  private final Function<ServerSetup, Map<String, HttpServlet>> application;

  private ServletHost(Containers.Container container, Function<ServerSetup, Map<String, HttpServlet>> application) {
    this.container = container;
    this.application = application;
  }

  /**
   * Serves {@link SseServlet} at {@code /events}, and at {@code /stream} a servlet whose {@code doGet} calls
   * {@link ServletSse#stream}.
   */
  static ServletHost servlets(Containers.Container container) {
    return new ServletHost(container, setup -> Map.of(
        "/events", new SseServlet(setup.broadcaster(), setup.streamConfig()),
        "/stream", new StreamServlet(setup.streamConfig(), setup.onStream())));
  }

  /** Serves the same paths through Spring MVC's {@code DispatcherServlet}; see {@link SpringMvcApp}. */
  static ServletHost springMvc(Containers.Container container) {
    return new ServletHost(container, SpringMvcApp::servlets);
  }

  @Override
  public TestServer start(ServerSetup setup) throws Exception {
    return container.start(application.apply(setup), setup.sendBuffer());
  }

  /** Streams to each client alone, as the javadoc of {@link ServletSse} shows a servlet doing it. */
  private static final class StreamServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient StreamConfig config;
    private final transient Consumer<? super Sender> onOpen;

    StreamServlet(StreamConfig config, Consumer<? super Sender> onOpen) {
      this.config = config;
      this.onOpen = onOpen;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      ServletSse.stream(request, response, config, onOpen);
    }
  }
}
