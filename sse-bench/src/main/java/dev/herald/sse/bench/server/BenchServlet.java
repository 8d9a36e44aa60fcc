package dev.herald.sse.bench.server;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.Data;
import dev.herald.sse.examples.ExampleApp;
import dev.herald.sse.servlet.ServletSse;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load server's routes as one servlet, for Jetty and Tomcat: the example's {@code /events} through
 * {@link ServletSse} and {@code /events/{msg}}, plus the bench routes. As the idle floor ({@code broadcaster} null)
 * it answers {@code /events} by holding an async request that has sent its greeting and nothing else: the
 * container's own cost of an open stream.
 */
final class BenchServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final byte[] CONNECTED = "data: connected\n\n".getBytes(StandardCharsets.US_ASCII);

  private final transient ExampleApp app;
  private final transient Broadcaster broadcaster; // null for the idle floor
  private final transient BenchRoutes bench;
  private final transient StreamConfig streams;
  private final AtomicInteger held = new AtomicInteger();

  BenchServlet(String transport, ExampleApp app, Broadcaster broadcaster, StreamConfig streams) {
    this.app = app;
    this.broadcaster = broadcaster;
    this.streams = streams;
    this.bench = new BenchRoutes(transport, broadcaster, broadcaster == null ? null : new HeraldFanout(broadcaster));
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String path = request.getRequestURI();
    if (BenchRoutes.isBench(path)) {
      Map<String, String> query = new HashMap<>();
      request.getParameterMap().forEach((name, values) -> query.put(name, values[0]));
      Burst.Answer answer = bench.answer(path, query, bench.clients(held.get()));
      text(response, answer.status(), answer.text());
      return;
    }
    String target = path + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
    ExampleApp.Route route = app.route(request.getMethod(), target);
    switch (route.kind()) {
      case SUBSCRIBE -> {
        if (broadcaster != null) {
          ServletSse.serve(request, response, broadcaster, streams);
        } else {
          hold(request, response);
        }
      }
      case BROADCAST_PATH -> {
        if (broadcaster == null) {
          text(response, 501, "the idle floor broadcasts nothing");
          return;
        }
        broadcaster.broadcast(Data.of(URLDecoder.decode(route.argument().replace("+", "%2B"),
            StandardCharsets.UTF_8)));
        text(response, 200, "msg sent");
      }
      case STATS -> text(response, 200, broadcaster == null ? "idle floor: no stats" : broadcaster.stats().toString());
      case BROADCAST_BODY -> text(response, 405, "the bench server takes GET /events/{msg} only");
      default -> {
        ExampleApp.Reply reply = app.reply(route);
        response.setStatus(reply.status());
        response.setContentType(reply.contentType());
        reply.headers().forEach(response::setHeader);
        response.setContentLength(reply.body().length);
        response.getOutputStream().write(reply.body());
      }
    }
  }

  /** The floor: an async request with the greeting sent, held until the client goes. */
  private void hold(HttpServletRequest request, HttpServletResponse response) throws IOException {
    AsyncContext async = request.startAsync();
    async.setTimeout(0);
    held.incrementAndGet();
    async.addListener(new AsyncListener() {
      @Override
      public void onComplete(AsyncEvent event) {
        held.decrementAndGet();
      }

      @Override
      public void onTimeout(AsyncEvent event) {
        event.getAsyncContext().complete();
      }

      @Override
      public void onError(AsyncEvent event) {
        event.getAsyncContext().complete();
      }

      @Override
      public void onStartAsync(AsyncEvent event) {
        // not restarted
      }
    });
    response.setStatus(200);
    response.setContentType("text/event-stream;charset=utf-8");
    response.setHeader("Cache-Control", "no-cache");
    ServletOutputStream out = response.getOutputStream();
    out.write(CONNECTED);
    out.flush();
  }

  private static void text(HttpServletResponse response, int status, String text) throws IOException {
    byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setContentType("text/plain;charset=utf-8");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
