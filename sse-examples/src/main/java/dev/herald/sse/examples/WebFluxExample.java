package dev.herald.sse.examples;

import dev.herald.sse.examples.ExampleApp.Reply;
import dev.herald.sse.examples.ExampleApp.Route;
import dev.herald.sse.webflux.WebFluxSse;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.NetUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import javax.net.ssl.KeyManagerFactory;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;
import reactor.netty.tcp.SslProvider;

/**
 * The example on Spring WebFlux and Reactor Netty, through {@code sse-webflux}: the stream is a WebFlux handler
 * that calls {@link WebFluxSse#serve(org.springframework.web.server.ServerWebExchange, dev.herald.sse.Broadcaster,
 * dev.herald.sse.core.StreamConfig)} with the app's stream configuration (its authorizer, gzip); HTTP/1.1 and
 * cleartext HTTP/2 ({@code h2c}, by prior knowledge or {@code Upgrade}) on one port, or with {@code --tls} HTTPS
 * with HTTP/2 by ALPN; a deadline for HTTP/1.1 requests, refusal of malformed ones, a connection limit and an early
 * {@code 413}.
 *
 * <p>Only {@code /events} goes through WebFlux. The example's other routes read the raw request target, which
 * WebFlux parses into a {@code java.net.URI} first and answers with an empty {@code 400} when it cannot (a
 * {@code %zz} escape, say), before any handler runs; so Reactor Netty answers them, with the replies
 * {@link ExampleApp} makes, as the other transports do.
 */
final class WebFluxExample implements RunningServer {
  private static final Logger log = LoggerFactory.getLogger(WebFluxExample.class);
  private static final AtomicBoolean HOOKED = new AtomicBoolean();
  /** The streams a client may open on one HTTP/2 connection: many tabs' worth, as on the other transports. */
  private static final long MAX_CONCURRENT_STREAMS = 1_000;

  private final ExampleApp app;
  private final LoopResources loops;
  private final DisposableServer server;

  private WebFluxExample(ExampleApp app, LoopResources loops, DisposableServer server) {
    this.app = app;
    this.loops = loops;
    this.server = server;
  }

  static RunningServer start(ExampleApp app, ExampleOptions options, @Nullable TlsMaterial tls)
      throws GeneralSecurityException {
    KeyManagerFactory keyManagers = tls == null ? null : tls.keyManagers();
    quietDisconnects();
    LoopResources loops = LoopResources.create("herald-webflux", LoopResources.DEFAULT_IO_WORKER_COUNT, true);
    try {
      ConnectionLimit limit = new ConnectionLimit(options.maxConnections());
      Duration requestTimeout = options.requestTimeout();
      HttpHandler streams = WebHttpHandlerBuilder
          .webHandler(exchange -> WebFluxSse.serve(exchange, app.broadcaster(), app.streamConfig()))
          .build();
      HttpServer server = HttpServer.create()
          .host(options.host())
          .port(options.port())
          .runOn(loops)
          // As on the other transports: the OS's somaxconn, so that a burst of connects waits for no SYN retry.
          .option(ChannelOption.SO_BACKLOG, NetUtil.SOMAXCONN)
          .doOnChannelInit((observer, channel, remote) -> {
            limit.opened(channel);
            Http1Guards.install(channel.pipeline(), requestTimeout);
          })
          .http2Settings(settings -> settings.maxConcurrentStreams(MAX_CONCURRENT_STREAMS))
          .handle(new Router(app, new ReactorHttpHandlerAdapter(streams)));
      if (keyManagers == null) {
        // HTTP/1.1, and HTTP/2 without TLS for a client that starts with its preface or asks with Upgrade: h2c.
        server = server.protocol(HttpProtocol.H2C, HttpProtocol.HTTP11);
      } else {
        // HTTPS, and HTTP/2 for browsers by ALPN: every EventSource of a page shares one connection.
        server = server.protocol(HttpProtocol.H2, HttpProtocol.HTTP11)
            .secure(spec -> spec.sslContext( // the generic overload: the one for Http2SslContextSpec is deprecated
                (SslProvider.GenericSslContextSpec<?>) Http2SslContextSpec.forServer(keyManagers)));
      }
      DisposableServer running = server.bindNow();
      limit.listen(running.channel());
      return new WebFluxExample(app, loops, running);
    } catch (RuntimeException e) {
      loops.disposeLater(Duration.ZERO, Duration.ofSeconds(1)).block(Duration.ofSeconds(3));
      throw e;
    }
  }

  @Override
  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.channel().close().awaitUninterruptibly(2_000); // no new connections
    app.close(); // the streams end with their last chunk before the connections close
    server.disposeNow(Duration.ofSeconds(2));
    loops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).block(Duration.ofSeconds(3));
  }

  /**
   * Logs a client's reset that Reactor reports after the exchange it belonged to has ended at debug level, where
   * Reactor's default logs each at error level with its stack trace; any other such error stays a warning, at most
   * one per interval. Reactor has one such hook per JVM, so it is installed once.
   */
  private static void quietDisconnects() {
    if (!HOOKED.compareAndSet(false, true)) {
      return;
    }
    RateLimitedLog unexpected = new RateLimitedLog(log, 10, TimeUnit.SECONDS);
    Hooks.onErrorDropped(error -> {
      if (error instanceof IOException) {
        log.debug("a client left: {}", error.toString());
      } else {
        unexpected.warn("an error after its exchange ended", error);
      }
    });
  }

  /**
   * Stops accepting connections at the limit and starts again below it, so that a connection past it waits in the
   * kernel's accept queue, unanswered, as on Jetty and Tomcat, and is served as soon as one leaves. Streams are
   * capped below the limit by the broadcaster's client limit, so a server full of streams still answers
   * {@code /stats} and broadcasts.
   */
  private static final class ConnectionLimit {
    private final int max;
    private int open;
    private @Nullable Channel listener;

    ConnectionLimit(int max) {
      this.max = max;
    }

    synchronized void listen(Channel listener) {
      this.listener = listener;
      accepting();
    }

    synchronized void opened(Channel connection) {
      open++;
      accepting();
      connection.closeFuture().addListener(closed -> closed());
    }

    private synchronized void closed() {
      open--;
      accepting();
    }

    /** A server channel that does not read does not accept: Netty's way to pause accepting. */
    private void accepting() {
      if (listener != null && listener.config().isAutoRead() != open < max) {
        listener.config().setAutoRead(open < max);
      }
    }
  }

  /** Routes every request through the shared {@link ExampleApp}: streams to WebFlux, the rest answered here. */
  private static final class Router
      implements BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> {
    private final ExampleApp app;
    private final ReactorHttpHandlerAdapter webflux;

    Router(ExampleApp app, ReactorHttpHandlerAdapter webflux) {
      this.app = app;
      this.webflux = webflux;
    }

    @Override
    public Publisher<Void> apply(HttpServerRequest request, HttpServerResponse response) {
      Route route = app.route(request.method().name(), request.uri());
      return switch (route.kind()) {
        case SUBSCRIBE -> webflux.apply(request, response);
        case BROADCAST_BODY, PUBLISH_BODY -> answerBody(route, request, response);
        default -> answer(request, response, Mono.fromCompletionStage(() -> app.answer(route)));
      };
    }

    /**
     * Reads a body of at most {@link ExampleApp#MAX_BODY_BYTES} without holding a thread, and broadcasts or
     * publishes it. A longer body is dropped as it is read and refused at its end, so the answer is not lost to a
     * reset; it is refused before a byte is read (and with no {@code 100 Continue}) when the client waits for one or
     * the body is too long to drop ({@link ExampleApp#refuseUnread}), and as soon as a chunked body is.
     */
    private Mono<Void> answerBody(Route route, HttpServerRequest request, HttpServerResponse response) {
      if (ExampleApp.refuseUnread(declaredLength(request),
          "100-continue".equalsIgnoreCase(request.requestHeaders().get(HttpHeaderNames.EXPECT)))) {
        return write(request, response, ExampleApp.tooLarge(), true);
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      AtomicLong length = new AtomicLong();
      return request.receive().asByteArray()
          .takeUntil(chunk -> {
            long read = length.addAndGet(chunk.length);
            if (read <= ExampleApp.MAX_BODY_BYTES) {
              body.write(chunk, 0, chunk.length);
            }
            return read > ExampleApp.MAX_READ_BYTES;
          })
          .then(Mono.defer(() -> length.get() > ExampleApp.MAX_BODY_BYTES
              ? write(request, response, ExampleApp.tooLarge(), length.get() > ExampleApp.MAX_READ_BYTES)
              : answer(request, response, Mono.fromCompletionStage(() -> app.answer(route, body.toByteArray(),
                  request.requestHeaders().get("Idempotency-Key"))))))
          .onErrorResume(failure -> {
            // The client left mid-body, or its request timed out: expected, and nobody is left to answer.
            log.debug("a request body was not read to its end: {}", failure.toString());
            return Mono.empty();
          });
    }

    /** The declared {@code Content-Length}, which the codec has checked is one number, or -1 if none. */
    private static long declaredLength(HttpServerRequest request) {
      String length = request.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
      try {
        return length == null ? -1 : Long.parseLong(length.strip());
      } catch (NumberFormatException e) {
        return Long.MAX_VALUE; // past what a long holds
      }
    }

    private static Mono<Void> answer(HttpServerRequest request, HttpServerResponse response, Mono<Reply> reply) {
      return reply.onErrorResume(failure -> Mono.just(Reply.text(500, "the broadcast failed")))
          .flatMap(r -> write(request, response, r, false));
    }

    private static Mono<Void> write(HttpServerRequest request, HttpServerResponse response, Reply reply,
        boolean close) {
      response.status(reply.status()).header(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
      reply.headers().forEach(response::header);
      response.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(reply.body().length));
      if (close) {
        // The rest of a body too large to read is not read: the connection closes after the answer.
        response.keepAlive(false);
      }
      return request.method().equals(HttpMethod.HEAD)
          ? Mono.from(response.send())
          : Mono.from(response.sendByteArray(Mono.just(reply.body())));
    }
  }
}
