package dev.herald.sse.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.testkit.ServerSetup;
import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TestCertificate;
import dev.herald.sse.testkit.TestServer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;
import reactor.netty.tcp.SslProvider;

/**
 * Herald on Spring WebFlux and Reactor Netty for the test kit's suites: {@link WebFluxSse#route} at
 * {@code /events}, {@link WebFluxSse#stream} in a handler function at {@code /stream}, WebFlux's 404 for anything
 * else. After each test, every leaked buffer fails it (Netty's paranoid leak detector reports to
 * {@link LeakRecorder}).
 */
final class WebFluxHost implements SseHost {
  private final Function<ServerSetup, App> apps;
  private UnaryOperator<HttpServer> protocols = UnaryOperator.identity();

  /** Serves the suites' routes as handler functions. */
  WebFluxHost() {
    this(WebFluxHost::routes);
  }

  /**
   * Serves the suites' routes as handler functions over HTTP/1.1 and h2c (prior knowledge or {@code Upgrade}), as
   * Reactor Netty does with {@code protocol(HttpProtocol.H2C, HttpProtocol.HTTP11)}.
   *
   * @return the host
   */
  static WebFluxHost overH2c() {
    WebFluxHost host = new WebFluxHost();
    host.protocols = server -> server.protocol(HttpProtocol.H2C, HttpProtocol.HTTP11);
    return host;
  }

  /**
   * Serves the suites' routes as handler functions over HTTPS with the test kit's certificate, h2 or HTTP/1.1 by
   * ALPN, as Reactor Netty does with {@code protocol(HttpProtocol.H2, HttpProtocol.HTTP11)} and an
   * {@code Http2SslContextSpec}.
   *
   * @return the host
   */
  static WebFluxHost overH2() {
    WebFluxHost host = new WebFluxHost();
    host.protocols = server -> server.protocol(HttpProtocol.H2, HttpProtocol.HTTP11)
        .secure(spec -> spec.sslContext( // the generic overload: the protocol one is deprecated
            (SslProvider.GenericSslContextSpec<?>) Http2SslContextSpec.forServer(TestCertificate.get().keyManagers())));
    return host;
  }

  /**
   * Configures the server further, after the protocols this host serves (an idle timeout, HTTP/2 settings).
   *
   * @param more what to set on the server
   * @return this host
   */
  WebFluxHost with(UnaryOperator<HttpServer> more) {
    UnaryOperator<HttpServer> before = protocols;
    protocols = server -> more.apply(before.apply(server));
    return this;
  }

  /**
   * Serves the suites' routes through another WebFlux application (an annotated controller's, say).
   *
   * @param apps makes the application for a setup
   */
  WebFluxHost(Function<ServerSetup, App> apps) {
    this.apps = apps;
  }

  /**
   * A WebFlux application under test: its handler, and what to close once its server stopped.
   *
   * @param handler the application's handler
   * @param resources closed after the server stopped
   */
  record App(HttpHandler handler, AutoCloseable resources) {}

  private static App routes(ServerSetup setup) {
    RouterFunction<ServerResponse> routes = WebFluxSse.route("/events", setup.broadcaster(), setup.streamConfig())
        .and(RouterFunctions.route(RequestPredicates.path("/stream"),
            request -> WebFluxSse.stream(request, setup.streamConfig(), setup.onStream())));
    return new App(RouterFunctions.toHttpHandler(routes), () -> {});
  }

  @Override
  public TestServer start(ServerSetup setup) {
    App app = apps.apply(setup);
    LoopResources loops = LoopResources.create("webflux-test", 2, true);
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    HttpServer server = HttpServer.create()
        .host("127.0.0.1")
        .port(0)
        .runOn(loops)
        // Each TCP connection as it opens: over HTTP/2, doOnConnection would give the streams, and closing them
        // leaves their connection to the loops' shutdown, which may end before its pipeline has let go of its
        // buffers. Closed through its pipeline, an HTTP/2 connection says GOAWAY.
        .doOnChannelInit((observer, channel, remote) -> connections.add(channel))
        .handle(new ReactorHttpHandlerAdapter(app.handler()));
    if (setup.sendBuffer() > 0) {
      server = server.childOption(ChannelOption.SO_SNDBUF, setup.sendBuffer());
    }
    if (setup.smallOutputBuffer()) {
      server = server.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1024, 2048));
    }
    DisposableServer running = protocols.apply(server).bindNow();
    int port = running.port();
    return new TestServer() {
      private boolean stopped;

      @Override
      public int port() {
        return port;
      }

      @Override
      public synchronized void stop() throws Exception {
        if (stopped) {
          return;
        }
        stopped = true;
        running.disposeNow(Duration.ofSeconds(1));
        connections.close().syncUninterruptibly();
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(1)).block(Duration.ofSeconds(10));
        app.resources().close();
      }
    };
  }

  @Override
  public void afterEachTest() {
    assertThat(LeakRecorder.installed()).as("the leak check is live").isTrue();
    assertThat(LeakRecorder.drain()).as("Netty buffers leaked").isEmpty();
  }
}
