package dev.herald.sse.bench.server;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.examples.ExampleApp;
import dev.herald.sse.webflux.WebFluxSse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The load server on Spring WebFlux and Reactor Netty: {@code webflux} serves {@code /events} through Herald's
 * {@link WebFluxSse}; {@code webflux-sink} through the usual {@code Flux<ServerSentEvent>} of one multicast sink
 * ({@link SinkFanout}), the peer a WebFlux user would otherwise write. Both answer the bench routes and
 * {@code /events/{msg}}.
 */
final class WebFluxBench {
  private WebFluxBench() {}

  static int serve(String transport, String label, String host, int port, ExampleApp app, Broadcaster broadcaster)
      throws InterruptedException {
    boolean sink = transport.equals("webflux-sink");
    SinkFanout peer = sink ? new SinkFanout() : null;
    if (sink) {
      broadcaster.close(); // the peer broadcasts through its sink
    }
    Fanout fanout = sink ? peer : new HeraldFanout(broadcaster);
    BenchRoutes bench = new BenchRoutes(label, sink ? null : broadcaster, fanout);
    var routes = RouterFunctions.route(request -> true, request -> {
      String path = request.path();
      if (BenchRoutes.isBench(path)) {
        Map<String, String> query = new HashMap<>();
        request.queryParams().forEach((name, values) -> query.put(name, values.get(0)));
        Burst.Answer answer = bench.answer(path, query, fanout.clients());
        return text(answer.status(), answer.text());
      }
      ExampleApp.Route route = app.route(request.method().name(), request.uri().getRawPath()
          + (request.uri().getRawQuery() == null ? "" : "?" + request.uri().getRawQuery()));
      return switch (route.kind()) {
        case SUBSCRIBE -> sink ? sinkStream(peer) : WebFluxSse.serve(request, broadcaster);
        case BROADCAST_PATH -> {
          fanout.send(URLDecoder.decode(route.argument().replace("+", "%2B"), StandardCharsets.UTF_8));
          yield text(200, "msg sent");
        }
        case STATS -> text(200, sink ? "sink: " + peer.dropped() + " events dropped" : broadcaster.stats().toString());
        default -> reply(app.reply(route));
      };
    });
    DisposableServer server = HttpServer.create().host(host).port(port)
        .handle(new ReactorHttpHandlerAdapter(RouterFunctions.toHttpHandler(routes)))
        .bindNow();
    System.out.printf("sse-bench server: transport %s, Reactor Netty, pid %d, on http://%s:%d/events%n",
        label, ProcessHandle.current().pid(), host, server.port());
    System.out.flush();
    return ServerCommand.runUntilKilled(broadcaster, app, () -> server.disposeNow(Duration.ofSeconds(2)));
  }

  private static Mono<ServerResponse> sinkStream(SinkFanout peer) {
    return ServerResponse.ok().contentType(MediaType.TEXT_EVENT_STREAM)
        .body(peer.stream(), ServerSentEvent.class);
  }

  private static Mono<ServerResponse> text(int status, String text) {
    return ServerResponse.status(status).contentType(MediaType.TEXT_PLAIN).bodyValue(text + "\n");
  }

  private static Mono<ServerResponse> reply(ExampleApp.Reply reply) {
    return ServerResponse.status(reply.status())
        .headers(headers -> reply.headers().forEach(headers::set))
        .contentType(MediaType.parseMediaType(reply.contentType()))
        .bodyValue(reply.body());
  }
}
