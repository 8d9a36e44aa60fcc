package dev.herald.sse.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.testkit.ServerSetup;
import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TestServer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.function.Function;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * Herald on Spring WebFlux and Reactor Netty for the test kit's suites: {@link WebFluxSse#route} at
 * {@code /events}, {@link WebFluxSse#stream} in a handler function at {@code /stream}, WebFlux's 404 for anything
 * else. After each test, every leaked buffer fails it (Netty's paranoid leak detector reports to
 * {@link LeakRecorder}).
 */
final class WebFluxHost implements SseHost {
  private final Function<ServerSetup, HttpHandler> app;

  /** Serves the suites' routes as handler functions. */
  WebFluxHost() {
    this(WebFluxHost::routes);
  }

  /**
   * Serves the suites' routes through another WebFlux application (an annotated controller's, say).
   *
   * @param app makes the application's handler for a setup
   */
  WebFluxHost(Function<ServerSetup, HttpHandler> app) {
    this.app = app;
  }

  static HttpHandler routes(ServerSetup setup) {
    RouterFunction<ServerResponse> routes = WebFluxSse.route("/events", setup.broadcaster())
        .and(RouterFunctions.route(RequestPredicates.path("/stream"),
            request -> WebFluxSse.stream(request, setup.streamConfig(), setup.onStream())));
    return RouterFunctions.toHttpHandler(routes);
  }

  @Override
  public TestServer start(ServerSetup setup) {
    LoopResources loops = LoopResources.create("webflux-test", 2, true);
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    HttpServer server = HttpServer.create()
        .host("127.0.0.1")
        .port(0)
        .runOn(loops)
        .doOnConnection(connection -> connections.add(connection.channel()))
        .handle(new ReactorHttpHandlerAdapter(app.apply(setup)));
    if (setup.sendBuffer() > 0) {
      server = server.childOption(ChannelOption.SO_SNDBUF, setup.sendBuffer());
    }
    if (setup.smallOutputBuffer()) {
      server = server.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1024, 2048));
    }
    DisposableServer running = server.bindNow();
    int port = running.port();
    return new TestServer() {
      private boolean stopped;

      @Override
      public int port() {
        return port;
      }

      @Override
      public synchronized void stop() {
        if (stopped) {
          return;
        }
        stopped = true;
        running.disposeNow(Duration.ofSeconds(1));
        connections.close().syncUninterruptibly();
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(1)).block(Duration.ofSeconds(10));
      }
    };
  }

  @Override
  public void afterEachTest() {
    assertThat(LeakRecorder.installed()).as("the leak check is live").isTrue();
    assertThat(LeakRecorder.drain()).as("Netty buffers leaked").isEmpty();
  }
}
