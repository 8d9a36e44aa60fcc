package dev.herald.sse.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.core.StreamGroup;
import dev.herald.sse.testkit.Http2Scenarios;
import dev.herald.sse.testkit.HttpSseClient;
import dev.herald.sse.testkit.NettyH2Client;
import dev.herald.sse.testkit.Probes;
import dev.herald.sse.testkit.ServerSetup;
import dev.herald.sse.testkit.TestCertificate;
import dev.herald.sse.testkit.TestServer;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Herald over HTTP/2 on Netty, with real clients: the JDK's {@code HttpClient} (h2 over TLS by ALPN, and h2c by
 * {@code Upgrade}) and the test kit's {@link NettyH2Client} (h2c by prior knowledge, or h2 over TLS), which can stop
 * reading one stream, reset one, and see {@code GOAWAY}. The test kit's {@link Http2Scenarios} run over h2c and h2
 * on {@link NettyHost}, as on every transport: one stalled stream among fifty is cut alone, and a shutdown ends
 * every stream with {@code END_STREAM}, then stopping the server says {@code GOAWAY}. {@code NettyH2ConformanceIT}
 * and {@code NettyH2cConformanceIT} run the rest.
 */
class NettyHttp2IT {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final AtomicInteger connections = new AtomicInteger();
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private Broadcaster broadcaster;
  private Channel listener;

  @AfterEach
  void stop() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    if (broadcaster != null) {
      broadcaster.close();
    }
    if (listener != null) {
      listener.close().syncUninterruptibly();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    assertThat(LeakRecorder.drain()).as("Netty buffers leaked").isEmpty();
  }

  /** How a test reaches the server: the host that serves it, and the client that speaks it. */
  record Mode(Supplier<NettyHost> host, IntFunction<NettyH2Client> client) {}

  static Stream<Named<Mode>> modes() {
    return Stream.of(
        Named.of("h2c", new Mode(NettyHost::overHttp2Cleartext, NettyH2Client::connect)),
        Named.of("h2", new Mode(NettyHost::overHttp2Tls,
            port -> NettyH2Client.connectTls(port, TestCertificate.get()))));
  }

  private int serve(BroadcasterConfig config, Function<Broadcaster, ChannelHandler> server) {
    broadcaster = Broadcasters.create(config);
    ChannelHandler serverHandler = server.apply(broadcaster);
    listener = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.incrementAndGet();
            ch.pipeline().addLast(serverHandler);
          }
        })
        .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  private int serveCleartext(BroadcasterConfig config) {
    return serveCleartext(config, Http2Options.defaults());
  }

  private int serveCleartext(BroadcasterConfig config, Http2Options options) {
    return serve(config, broadcaster -> {
      SseHandler events = new SseHandler("/events", broadcaster);
      return NettyHttp2.cleartext(options, pipeline -> pipeline.addLast(events));
    });
  }

  private static BroadcasterConfig.Builder greeting() {
    return BroadcasterConfig.builder().heartbeat(Duration.ZERO).greeting(Data.of("connected"));
  }

  @Test
  void browsersGetHttp2OverTlsAndManyStreamsShareOneConnection() throws Exception {
    TestCertificate certificate = TestCertificate.get();
    SslContext ssl = SslContextBuilder.forServer(certificate.keyManagers())
        .applicationProtocolConfig(NettyHttp2.alpn()).build();
    int port = serve(greeting().build(), broadcaster -> {
      SseHandler events = new SseHandler("/events", broadcaster);
      return NettyHttp2.tls(ssl, Http2Options.defaults(), pipeline -> pipeline.addLast(events));
    });
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
        .sslContext(certificate.clientContext()).build();
    URI uri = URI.create("https://127.0.0.1:" + port + "/events");

    List<HttpSseClient> tabs = new ArrayList<>();
    for (int i = 0; i < 8; i++) { // past HTTP/1.1's six connections per origin
      HttpSseClient tab = HttpSseClient.connect(http, uri, null);
      cleanup.add(tab);
      tabs.add(tab);
      tab.awaitEvents(1);
    }
    broadcaster.broadcast(Data.of("to every tab"));

    for (HttpSseClient tab : tabs) {
      assertThat(tab.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(tab.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
      assertThat(tab.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("connected", "to every tab");
    }
    assertThat(broadcaster.clientCount()).isEqualTo(8);
    assertThat(connections.get()).as("eight streams, one connection").isOne();
  }

  @Test
  void aClientThatAsksWithUpgradeGetsH2c() throws Exception {
    int port = serveCleartext(greeting().build());
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    URI uri = URI.create("http://127.0.0.1:" + port + "/events");

    HttpSseClient first = HttpSseClient.connect(http, uri, null); // sent with Upgrade: h2c, answered on stream 1
    cleanup.add(first);
    first.awaitEvents(1);
    HttpSseClient second = HttpSseClient.connect(http, uri, null);
    cleanup.add(second);
    second.awaitEvents(1);
    broadcaster.broadcast(Data.of("news"));

    assertThat(first.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("connected", "news");
    assertThat(second.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("connected", "news");
    assertThat(second.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(connections.get()).isOne();
  }

  @Test
  void aResetStreamLeavesAtOnceAndTheConnectionServesTheNext() throws Exception {
    int port = serveCleartext(greeting().build());
    NettyH2Client client = NettyH2Client.connect(port);
    cleanup.add(client);

    NettyH2Client.Stream reset = client.open("/events");
    reset.awaitEvents(1);
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 1, () -> "clients: " + broadcaster.stats());
    reset.reset(); // RST_STREAM (CANCEL)

    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 0, () -> "clients: " + broadcaster.stats());
    NettyH2Client.Stream next = client.open("/events");
    next.awaitEvents(1);
    broadcaster.broadcast(Data.of("after the reset"));
    assertThat(next.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("connected", "after the reset");
    assertThat(client.isOpen()).isTrue();
    assertThat(connections.get()).isOne();
  }

  @ParameterizedTest
  @MethodSource("modes")
  void oneStalledStreamAmongFiftyIsCutAloneWhileTheOthersGetEveryEvent(Mode mode) throws Exception {
    // As on WebFlux, whose fifty streams share one event loop too: a grace of 5 s and 300 events, enough on a loaded
    // two-core machine and still past the stalled stream's 64 KiB window, its stream channel's buffer and its queue.
    Broadcaster broadcaster = Broadcasters.create(Http2Scenarios.stalledStreamConfig(Duration.ofSeconds(5)));
    cleanup.add(broadcaster);
    TestServer server = mode.host().get().start(ServerSetup.of(broadcaster));
    cleanup.add(server::stop);
    NettyH2Client client = mode.client().apply(server.port());
    cleanup.add(client);

    Http2Scenarios.oneStalledStreamAmongFiftyIsCutAlone(broadcaster, client, "/events", 300, stalled -> {
      // Netty resets the cut stream at once (RST_STREAM); the client, reading again, takes what it held, then the
      // reset, and the stream ends.
      stalled.resumeReading();
      Probes.await(DEADLINE, () -> !stalled.isOpen(), () -> "the cut stream is still open on the client");
    });
  }

  @ParameterizedTest
  @MethodSource("modes")
  void aShutdownEndsEveryStreamThenStoppingTheServerSaysGoaway(Mode mode) throws Exception {
    Broadcaster broadcaster = Broadcasters.create(greeting().build());
    cleanup.add(broadcaster);
    StreamGroup group = StreamGroup.create().include(broadcaster);
    // NettyHost stops as the README says: each connection closed through its pipeline (which says GOAWAY), then the
    // event loops shut down; the scenario ends the streams before.
    TestServer server = mode.host().get()
        .start(ServerSetup.of(broadcaster).withStreamConfig(StreamConfig.builder().group(group).build()));
    cleanup.add(server::stop);
    NettyH2Client client = mode.client().apply(server.port());
    cleanup.add(client);

    Http2Scenarios.aShutdownEndsEveryStreamThenStoppingSaysGoaway(broadcaster, group, server, client, "/events");
  }

  @Test
  void aConnectionThatWroteNothingForThePingIntervalIsPinged() throws Exception {
    int port = serveCleartext(greeting().build(), Http2Options.builder().pingInterval(Duration.ofSeconds(1)).build());
    NettyH2Client client = NettyH2Client.connect(port);
    cleanup.add(client);
    client.open("/events").awaitEvents(1);

    Probes.await(DEADLINE, () -> client.pings() > 0, () -> "no PING from the server");
    assertThat(client.isOpen()).isTrue();
  }

  @Test
  void theHttp11HandlersGuardTheCleartextPortFromTheFirstByte() throws Exception {
    int port = serve(greeting().build(), broadcaster -> {
      SseHandler events = new SseHandler("/events", broadcaster);
      return NettyHttp2.cleartext(Http2Options.defaults(),
          pipeline -> pipeline.addLast(new RequestHeadTimeoutHandler(Duration.ofMillis(500)), events));
    });
    try (java.net.Socket slow = new java.net.Socket("127.0.0.1", port)) {
      slow.getOutputStream().write("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
      slow.setSoTimeout((int) DEADLINE.toMillis());

      // The head never ends: the deadline closes the connection without an answer, as it does without HTTP/2
      // (without the deadline, this read would wait for the socket timeout and fail).
      InputStream in = slow.getInputStream();
      assertThat(in.readAllBytes()).isEmpty();
    }
    assertThat(broadcaster.clientCount()).isZero();
  }
}
