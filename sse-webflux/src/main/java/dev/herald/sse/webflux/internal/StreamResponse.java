package dev.herald.sse.webflux.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.core.Handshake;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Makes a handler function's answer to a request for an event stream: a {@link ServerResponse} with the
 * handshake's status and headers, which filters may read and change, and a body that {@link WebFluxResponder}
 * writes. Anything here can change at any time.
 *
 * <p><b>Ownership.</b> An answer that opens a stream holds a registered client until it is written; one that is
 * never written (a filter that answers otherwise) leaves that client to the engine until its heartbeat finds it
 * unread.
 */
public final class StreamResponse {
  private StreamResponse() {}

  /**
   * Answers a handler function's request as the handshake decides.
   *
   * @param request the request
   * @param handshake what decides the answer
   * @return the response to return from the handler function
   */
  public static Mono<ServerResponse> of(ServerRequest request, Handshake handshake) {
    requireNonNull(request, "request");
    requireNonNull(handshake, "handshake");
    return Mono.defer(() -> WebFluxResponder.answer(request.exchange(), handshake))
        .flatMap(answer -> ServerResponse.status(answer.status())
            .headers(headers -> WebFluxResponder.headers(headers, answer))
            .build((exchange, context) -> WebFluxResponder.body(exchange, answer, handshake)));
  }
}
