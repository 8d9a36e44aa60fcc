package dev.herald.sse.webflux;

import dev.herald.sse.testkit.ServerSetup;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * An annotated controller that serves the test kit's routes as an application would: each method takes the exchange
 * and returns what {@link WebFluxSse} returns. Mapped without a method, so that Herald's handshake answers
 * {@code HEAD} and the methods it refuses; Spring answers {@code OPTIONS} for such a mapping itself.
 */
@RestController
class EventsController {
  private final ServerSetup setup;

  EventsController(ServerSetup setup) {
    this.setup = setup;
  }

  @RequestMapping("/events")
  Mono<Void> events(ServerWebExchange exchange) {
    return WebFluxSse.serve(exchange, setup.broadcaster(), setup.streamConfig());
  }

  @RequestMapping("/stream")
  Mono<Void> stream(ServerWebExchange exchange) {
    return WebFluxSse.stream(exchange, setup.streamConfig(), setup.onStream());
  }
}
