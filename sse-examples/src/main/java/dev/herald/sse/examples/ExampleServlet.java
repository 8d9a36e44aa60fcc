package dev.herald.sse.examples;

import dev.herald.sse.examples.ExampleApp.Reply;
import dev.herald.sse.examples.ExampleApp.Route;
import dev.herald.sse.servlet.ServletSse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;

/** The example's routes as one servlet, mapped to {@code /*} in Jetty and in Tomcat. */
final class ExampleServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient ExampleApp app;

  ExampleServlet(ExampleApp app) {
    this.app = app;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String target = request.getRequestURI() + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
    Route route = app.route(request.getMethod(), target);
    switch (route.kind()) {
      case SUBSCRIBE -> ServletSse.serve(request, response, app.broadcaster());
      case BROADCAST_BODY -> write(request, response, app.broadcastBody(ExampleApp.readBody(request.getInputStream())));
      default -> write(request, response, app.reply(route));
    }
  }

  private static void write(HttpServletRequest request, HttpServletResponse response, Reply reply)
      throws IOException {
    response.setStatus(reply.status());
    response.setContentType(reply.contentType());
    for (Map.Entry<String, String> header : reply.headers().entrySet()) {
      response.setHeader(header.getKey(), header.getValue());
    }
    response.setContentLength(reply.body().length);
    if (!request.getMethod().equals("HEAD")) {
      response.getOutputStream().write(reply.body());
    }
  }
}
