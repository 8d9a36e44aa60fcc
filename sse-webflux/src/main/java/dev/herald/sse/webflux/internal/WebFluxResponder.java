package dev.herald.sse.webflux.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.CloseReason;
import dev.herald.sse.core.Handshake;
import dev.herald.sse.core.SseRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpVersion;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Writes a {@link Handshake}'s answer onto a WebFlux response: the status and headers, then a refusal's body or the
 * stream, which a {@link WebFluxStream} serves. It decides nothing: the handshake does. Anything here can change at
 * any time.
 */
public final class WebFluxResponder {
  private WebFluxResponder() {}

  /**
   * Asks the handshake how to answer a request, once the exchange's principal (if any) is known.
   *
   * @param exchange the exchange whose request to answer
   * @param handshake what decides the answer
   * @return the answer; an {@link Handshake.Open} one holds a registered client that {@link #write} must serve
   */
  public static Mono<Handshake.Answer> answer(ServerWebExchange exchange, Handshake handshake) {
    requireNonNull(exchange, "exchange");
    requireNonNull(handshake, "handshake");
    return exchange.getPrincipal().map(Optional::of).defaultIfEmpty(Optional.empty())
        .map(principal -> handshake.answer(new RequestView(exchange.getRequest(), principal.orElse(null))));
  }

  /**
   * Writes an answer onto the exchange's response, which must not be committed: its status and headers, then its
   * body.
   *
   * @param exchange the exchange
   * @param answer the handshake's answer to its request
   * @param handshake the handshake that answered, for the stream's close grace
   * @return completes when the response is complete: at once for a refusal or headers only, when the stream ends
   *     for a stream
   */
  public static Mono<Void> write(ServerWebExchange exchange, Handshake.Answer answer, Handshake handshake) {
    ServerHttpResponse response = exchange.getResponse();
    response.setStatusCode(HttpStatusCode.valueOf(answer.status()));
    headers(response.getHeaders(), answer);
    return body(exchange, answer, handshake);
  }

  /**
   * Sets an answer's headers: the handshake's, and a refusal's {@code Content-Length}.
   *
   * @param headers the response's headers
   * @param answer the handshake's answer
   */
  static void headers(HttpHeaders headers, Handshake.Answer answer) {
    answer.headers().forEach(headers::set);
    if (answer instanceof Handshake.Refusal refusal) {
      headers.setContentLength(refusal.body().length);
    }
  }

  /**
   * Writes an answer's body onto a response whose status and headers are set: a refusal's reason, nothing, or the
   * stream.
   */
  static Mono<Void> body(ServerWebExchange exchange, Handshake.Answer answer, Handshake handshake) {
    ServerHttpResponse response = exchange.getResponse();
    Object nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
    if (nativeResponse instanceof HttpServerResponse reactorResponse
        && HttpVersion.HTTP_1_0.equals(reactorResponse.version())) {
      // Reactor Netty marks every response chunked, but HTTP/1.0 has no chunked encoding (RFC 9112, section 6.1:
      // a server must not send Transfer-Encoding to it): without it, a stream is delimited by the connection's
      // close, which Reactor Netty does after an HTTP/1.0 response, as Herald's Netty transport does. Removed from
      // Reactor Netty's headers, which Spring's are a view of: HttpHeaders.remove takes an Object in Spring 6 and a
      // String in Spring 7, so a call compiled against one fails on the other.
      reactorResponse.responseHeaders().remove(HttpHeaderNames.TRANSFER_ENCODING);
    }
    if (answer instanceof Handshake.Refusal refusal) {
      return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(refusal.body())));
    }
    if (!(answer instanceof Handshake.Open open)) {
      return response.setComplete(); // headers only: HEAD, OPTIONS
    }
    try {
      Connection connection = connection(response);
      if (connection == null) {
        throw new IllegalStateException("Herald's WebFlux transport serves streams on Reactor Netty; this server's"
            + " response is a " + ServerHttpResponseDecorator.getNativeResponse(response).getClass().getName());
      }
      ReactorNettyVersion.warnIfAffected();
      // writeWith, not writeAndFlushWith: Reactor Netty's send flushes once it has written the elements it holds
      // (and at once for an element larger than the connection takes), so each batch reaches the client as it is
      // written; one element is already one batch, and a publisher per batch would add nothing but objects.
      return response.writeWith(
          new WebFluxStream(open, response.bufferFactory(), connection, handshake.config().closeGrace()));
    } catch (RuntimeException e) {
      open.channel().close(CloseReason.ERROR); // the transport owns the registered client, and cannot serve it
      return Mono.error(e);
    }
  }

  /** The Reactor Netty connection under a response, or {@code null} on another server. */
  private static @Nullable Connection connection(ServerHttpResponse response) {
    Object nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
    return nativeResponse instanceof Connection connection ? connection : null;
  }

  /**
   * The request as the handshake reads it. Reactor Netty keeps each header line as a value of its own, as the
   * handshake wants, read from its own headers; the query parameters are Spring's decoded ones. Only methods of
   * {@link HttpHeaders} whose signatures Spring 6 and 7 share are called ({@code getFirst(String)},
   * {@code forEach}): Spring 7's {@code HttpHeaders} is no longer a {@code Map}, and its {@code get},
   * {@code getOrEmpty} and {@code remove} take a {@code String} where Spring 6's take an {@code Object}, so a class
   * compiled against one fails on the other.
   */
  private record RequestView(ServerHttpRequest request, @Nullable Principal principal) implements SseRequest {

    @Override
    public String method() {
      return request.getMethod().name();
    }

    @Override
    public List<String> headers(String name) {
      if (ServerHttpRequestDecorator.getNativeRequest(request) instanceof HttpServerRequest reactorRequest) {
        return reactorRequest.requestHeaders().getAll(name);
      }
      List<String> values = new ArrayList<>(1);
      request.getHeaders().forEach((header, lines) -> {
        if (values.isEmpty() && header.equalsIgnoreCase(name)) {
          values.addAll(lines); // every line of the header: the first name that matches has them all
        }
      });
      return values;
    }

    @Override
    public @Nullable String header(String name) {
      return request.getHeaders().getFirst(name);
    }

    @Override
    public List<String> queryParameters(String name) {
      List<String> values = request.getQueryParams().get(name);
      return values == null ? List.of() : values;
    }
  }
}
