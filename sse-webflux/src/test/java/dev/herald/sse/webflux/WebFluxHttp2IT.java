package dev.herald.sse.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.core.StreamGroup;
import dev.herald.sse.testkit.Http2Scenarios;
import dev.herald.sse.testkit.NettyH2Client;
import dev.herald.sse.testkit.Probes;
import dev.herald.sse.testkit.ServerSetup;
import dev.herald.sse.testkit.TestCertificate;
import dev.herald.sse.testkit.TestServer;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * WebFlux on Reactor Netty over HTTP/2, h2 (TLS, ALPN) and h2c (prior knowledge), with the test kit's
 * {@link NettyH2Client}, which holds one stream's window as a browser would: one stalled stream among fifty is cut
 * alone; a shutdown ends every stream with {@code END_STREAM}, then stopping the server says {@code GOAWAY}; and
 * Reactor Netty's {@code PING} on an idle connection, set as the README says. {@code WebFluxH2ConformanceIT} and
 * {@code WebFluxH2cConformanceIT} run the rest (a stream the client resets leaves its broadcaster at once there).
 * Every leaked buffer fails the test (see {@link WebFluxHost}).
 */
class WebFluxHttp2IT {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private WebFluxHost host;

  /** How a test reaches the server: the host that serves it, and the client that speaks it. */
  record Mode(Supplier<WebFluxHost> host, IntFunction<NettyH2Client> client) {}

  static Stream<Named<Mode>> modes() {
    return Stream.of(
        Named.of("h2c", new Mode(WebFluxHost::overH2c, NettyH2Client::connect)),
        Named.of("h2", new Mode(WebFluxHost::overH2, port -> NettyH2Client.connectTls(port, TestCertificate.get()))));
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    if (host != null) {
      host.afterEachTest();
    }
  }

  private TestServer start(WebFluxHost host, ServerSetup setup) {
    this.host = host;
    TestServer server = host.start(setup);
    cleanup.add(server::stop);
    return server;
  }

  private NettyH2Client connect(Mode mode, int port) {
    NettyH2Client client = mode.client().apply(port);
    cleanup.add(client);
    return client;
  }

  private Broadcaster broadcaster(BroadcasterConfig config) {
    Broadcaster broadcaster = Broadcasters.create(config);
    cleanup.add(broadcaster);
    return broadcaster;
  }

  private static BroadcasterConfig quiet() {
    // No heartbeat: nothing is written to an idle stream, so the connection is idle for Reactor Netty.
    return BroadcasterConfig.builder().greeting(Data.of("connected")).heartbeat(Duration.ZERO).build();
  }

  @ParameterizedTest
  @MethodSource("modes")
  void oneStalledStreamAmongFiftyIsCutAloneWhileTheOthersGetEveryEvent(Mode mode) throws Exception {
    // A grace of 5 s and 300 events: the fifty streams share the connection's one event loop, and on a two-core
    // machine at a load average of 30, with the servlet tests' 1 s and 600 events, every stream, readers too, was cut
    // as slow (at a load of 11 those passed too). 300 events still fill the stalled stream's 64 KiB window, its
    // stream channel's buffer and its 64-event queue.
    Broadcaster broadcaster = broadcaster(Http2Scenarios.stalledStreamConfig(Duration.ofSeconds(5)));
    TestServer server = start(mode.host().get(), ServerSetup.of(broadcaster));

    Http2Scenarios.oneStalledStreamAmongFiftyIsCutAlone(broadcaster, connect(mode, server.port()), "/events", 300);
  }

  @ParameterizedTest
  @MethodSource("modes")
  void aShutdownEndsEveryStreamThenStoppingTheServerSaysGoaway(Mode mode) throws Exception {
    Broadcaster broadcaster = broadcaster(quiet());
    StreamGroup group = StreamGroup.create().include(broadcaster);
    TestServer server = start(mode.host().get(),
        ServerSetup.of(broadcaster).withStreamConfig(StreamConfig.builder().group(group).build()));

    Http2Scenarios.aShutdownEndsEveryStreamThenStoppingSaysGoaway(broadcaster, group, server,
        connect(mode, server.port()), "/events");
  }

  @ParameterizedTest
  @MethodSource("modes")
  void anIdleConnectionIsPingedAndItsQuietStreamStays(Mode mode) throws Exception {
    Broadcaster broadcaster = broadcaster(quiet());
    // As the README says: Reactor Netty pings an HTTP/2 connection idle for idleTimeout when pingAckTimeout is set.
    TestServer server = start(mode.host().get().with(http -> http.idleTimeout(Duration.ofMillis(500))
        .http2Settings(settings -> settings.pingAckTimeout(Duration.ofSeconds(5)).pingAckDropThreshold(2))),
        ServerSetup.of(broadcaster));
    NettyH2Client client = connect(mode, server.port());
    NettyH2Client.Stream stream = client.open("/events");
    stream.awaitEvents(1);

    Probes.await(DEADLINE, () -> client.pings() >= 2, () -> "PINGs from the server: " + client.pings());
    assertThat(client.isOpen()).as("each PING was answered, so the connection stays").isTrue();
    assertThat(stream.isOpen()).isTrue();
    broadcaster.broadcast(Data.of("after the pings"));
    assertThat(stream.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("connected", "after the pings");
  }

  @ParameterizedTest
  @MethodSource("modes")
  void anIdleTimeoutWithoutPingClosesAConnectionWhoseStreamsAreQuiet(Mode mode) throws Exception {
    Broadcaster broadcaster = broadcaster(quiet());
    // Why the README says to set pingAckTimeout with idleTimeout, or keep the heartbeat shorter than it.
    TestServer server = start(mode.host().get().with(http -> http.idleTimeout(Duration.ofMillis(500))),
        ServerSetup.of(broadcaster));
    NettyH2Client client = connect(mode, server.port());
    client.open("/events").awaitEvents(1);

    Probes.await(DEADLINE, () -> !client.isOpen(), () -> "the idle connection stayed open");
    assertThat(client.pings()).isZero();
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 0, () -> "clients: " + broadcaster.stats());
  }
}
