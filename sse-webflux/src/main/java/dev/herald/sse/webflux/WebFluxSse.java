package dev.herald.sse.webflux;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Sender;
import dev.herald.sse.core.Handshake;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.webflux.internal.StreamResponse;
import dev.herald.sse.webflux.internal.WebFluxResponder;
import java.util.function.Consumer;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Answers Spring WebFlux requests with Server-Sent Events streams, from a {@link Broadcaster} or for a single
 * client, on Reactor Netty: in a handler function, as a ready {@link RouterFunction}, or in an annotated controller.
 *
 * <pre>{@code
 * @Bean
 * RouterFunction<ServerResponse> routes(Broadcaster broadcaster) {
 *   return WebFluxSse.route("/events", broadcaster)
 *       .and(RouterFunctions.route(path("/clock"), request -> WebFluxSse.stream(request, sender -> tick(sender))));
 * }
 *
 * @RestController
 * class EventsController {
 *   @RequestMapping("/events")
 *   Mono<Void> events(ServerWebExchange exchange) {
 *     return WebFluxSse.serve(exchange, broadcaster);
 *   }
 * }
 * }</pre>
 *
 * <p>What a request gets is the {@link Handshake}'s answer, the same on every transport: {@code GET} a stream
 * ({@code 200}, {@code Content-Type: text/event-stream; charset=utf-8}, {@code Cache-Control: no-cache},
 * {@code X-Accel-Buffering: no}, chunked and never a {@code Content-Length}, the headers sent at once, then the
 * events, after a replay from its {@code Last-Event-ID}); {@code HEAD} the same headers and no body;
 * {@code OPTIONS} {@code 204} and other methods {@code 405}, both with {@code Allow}; an {@code Accept} that
 * excludes {@code text/event-stream} {@code 406}; a closed broadcaster or one at its client limit {@code 503} (the
 * latter with {@code Retry-After}). Map the route to every method (as {@link #route} and a {@code @RequestMapping}
 * without {@code method} do) so that Herald answers them all; a {@code @GetMapping} leaves {@code OPTIONS} and other
 * methods to Spring.
 *
 * <p><b>Back-pressure.</b> Events are taken from the client's bounded queue only as Reactor Netty asks for more and
 * while the connection is writable (its write-buffer water marks, Netty's default 32/64 KiB), and each batch is
 * flushed at once. A client that stops reading leaves its events in its queue, where the engine's overflow policy
 * applies; nothing is buffered without bound, no thread waits, and a broadcast's bytes are wrapped, not copied.
 *
 * <p><b>Ending.</b> A client that leaves is removed at once (Reactor Netty cancels the response). When the server
 * ends a stream ({@link Sender#close()}, {@link Broadcaster#close()}, a {@code StreamGroup} shutdown), what is
 * queued is written and the response completed with its last chunk; a client that does not read the end within the
 * {@linkplain StreamConfig.Builder#closeGrace close grace} has its connection closed. A client the engine
 * disconnects (a slow consumer) has its connection closed at once.
 *
 * <p><b>Threading and ownership.</b> Call these methods from a handler function or a controller method, on any
 * thread; they return at once, and the stream is served by the returned {@code Mono}, which WebFlux subscribes to.
 * Events are written on the connection's event loop; the application sends from any thread. The application owns
 * the broadcaster and closes it, which ends every stream cleanly. Streams are served on Reactor Netty (Spring Boot's
 * default WebFlux server); on another server the returned {@code Mono} fails with {@link IllegalStateException}.
 */
public final class WebFluxSse {
  private WebFluxSse() {}

  /**
   * Makes a router function that answers every request for a path with a stream of a broadcaster's events, with
   * the {@linkplain StreamConfig#defaults() default settings}.
   *
   * @param path the path pattern, such as {@code /events}
   * @param broadcaster the broadcaster each client subscribes to
   * @return the router function, to combine with the application's others
   */
  public static RouterFunction<ServerResponse> route(String path, Broadcaster broadcaster) {
    return route(path, broadcaster, StreamConfig.defaults());
  }

  /**
   * Makes a router function that answers every request for a path, whatever its method, with a stream of a
   * broadcaster's events.
   *
   * @param path the path pattern, such as {@code /events}
   * @param broadcaster the broadcaster each client subscribes to
   * @param config how the streams are served (close grace, {@code Retry-After})
   * @return the router function, to combine with the application's others
   */
  public static RouterFunction<ServerResponse> route(String path, Broadcaster broadcaster, StreamConfig config) {
    requireNonNull(path, "path");
    Handshake handshake = Handshake.of(broadcaster, config);
    HandlerFunction<ServerResponse> handler = request -> StreamResponse.of(request, handshake);
    return RouterFunctions.route(RequestPredicates.path(path), handler);
  }

  /**
   * Answers a handler function's request with a stream of a broadcaster's events, with the
   * {@linkplain StreamConfig#defaults() default settings}.
   *
   * @param request the request
   * @param broadcaster the broadcaster the client subscribes to
   * @return the response: a stream, headers only, or a refusal
   */
  public static Mono<ServerResponse> serve(ServerRequest request, Broadcaster broadcaster) {
    return serve(request, broadcaster, StreamConfig.defaults());
  }

  /**
   * Answers a handler function's request with a stream of a broadcaster's events.
   *
   * @param request the request
   * @param broadcaster the broadcaster the client subscribes to
   * @param config how the stream is served (close grace, {@code Retry-After})
   * @return the response: a stream, headers only, or a refusal
   */
  public static Mono<ServerResponse> serve(ServerRequest request, Broadcaster broadcaster, StreamConfig config) {
    return StreamResponse.of(request, Handshake.of(broadcaster, config));
  }

  /**
   * Answers a handler function's request with a stream for this client alone, with the
   * {@linkplain StreamConfig#defaults() default settings}.
   *
   * @param request the request
   * @param onOpen given the client's sender once the stream is open; see
   *     {@link #stream(ServerRequest, StreamConfig, Consumer)}
   * @return the response: a stream, headers only, or a refusal
   */
  public static Mono<ServerResponse> stream(ServerRequest request, Consumer<? super Sender> onOpen) {
    return stream(request, StreamConfig.defaults(), onOpen);
  }

  /**
   * Answers a handler function's request with a stream for this client alone.
   *
   * <p>{@code onOpen} runs on the connection's event loop once the stream is open, and only for a request that
   * opens one (not for a {@code HEAD} or a refusal). It must not block: keep the sender and send from anywhere, at
   * any time, until it is closed. {@link Sender#lastEventId()} tells where the client wants to resume, and
   * {@link Sender#onClose} tells when it leaves. If {@code onOpen} throws, the stream ends with
   * {@link dev.herald.sse.CloseReason#ERROR}.
   *
   * @param request the request
   * @param config how the stream is served: its queue limits, heartbeat, close grace and group
   * @param onOpen given the client's sender once the stream is open
   * @return the response: a stream, headers only, or a refusal
   */
  public static Mono<ServerResponse> stream(ServerRequest request, StreamConfig config,
      Consumer<? super Sender> onOpen) {
    return StreamResponse.of(request, Handshake.of(config, onOpen));
  }

  /**
   * Answers an exchange with a stream of a broadcaster's events, with the {@linkplain StreamConfig#defaults()
   * default settings}: for an annotated controller's method that takes the exchange and returns {@code Mono<Void>}.
   *
   * @param exchange the exchange, whose response is not committed
   * @param broadcaster the broadcaster the client subscribes to
   * @return completes when the response is complete
   */
  public static Mono<Void> serve(ServerWebExchange exchange, Broadcaster broadcaster) {
    return serve(exchange, broadcaster, StreamConfig.defaults());
  }

  /**
   * Answers an exchange with a stream of a broadcaster's events: for an annotated controller's method that takes
   * the exchange and returns {@code Mono<Void>}.
   *
   * @param exchange the exchange, whose response is not committed
   * @param broadcaster the broadcaster the client subscribes to
   * @param config how the stream is served (close grace, {@code Retry-After})
   * @return completes when the response is complete
   */
  public static Mono<Void> serve(ServerWebExchange exchange, Broadcaster broadcaster, StreamConfig config) {
    return respond(exchange, Handshake.of(broadcaster, config));
  }

  /**
   * Answers an exchange with a stream for this client alone, with the {@linkplain StreamConfig#defaults() default
   * settings}.
   *
   * @param exchange the exchange, whose response is not committed
   * @param onOpen given the client's sender once the stream is open; see
   *     {@link #stream(ServerRequest, StreamConfig, Consumer)}
   * @return completes when the response is complete
   */
  public static Mono<Void> stream(ServerWebExchange exchange, Consumer<? super Sender> onOpen) {
    return stream(exchange, StreamConfig.defaults(), onOpen);
  }

  /**
   * Answers an exchange with a stream for this client alone; {@code onOpen} is called as
   * {@link #stream(ServerRequest, StreamConfig, Consumer)} describes.
   *
   * @param exchange the exchange, whose response is not committed
   * @param config how the stream is served: its queue limits, heartbeat, close grace and group
   * @param onOpen given the client's sender once the stream is open
   * @return completes when the response is complete
   */
  public static Mono<Void> stream(ServerWebExchange exchange, StreamConfig config, Consumer<? super Sender> onOpen) {
    return respond(exchange, Handshake.of(config, onOpen));
  }

  private static Mono<Void> respond(ServerWebExchange exchange, Handshake handshake) {
    requireNonNull(exchange, "exchange");
    return WebFluxResponder.answer(exchange, handshake)
        .flatMap(answer -> WebFluxResponder.write(exchange, answer, handshake));
  }
}
