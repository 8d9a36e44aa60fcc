package dev.herald.sse.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.core.StreamGroup;
import dev.herald.sse.testkit.Probes;
import dev.herald.sse.testkit.RawSseClient;
import dev.herald.sse.testkit.ServerSetup;
import dev.herald.sse.testkit.TestServer;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import io.netty.channel.Channel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the shared suites leave to each transport, on WebFlux and Reactor Netty: a stream's end on a connection that
 * stays open, the close grace, and a slow consumer's connection.
 */
class WebFluxSseIT {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final String KIB = "x".repeat(1024);

  private final WebFluxHost host = new WebFluxHost();
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    host.afterEachTest();
  }

  @Test
  void aStreamTheServerEndsCompletesItsResponseAndTheConnectionServesTheNextRequest() throws Exception {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().greeting(Data.of("connected")));
    int port = start(ServerSetup.of(broadcaster).withOnStream(sender -> {
      sender.trySend(Data.of("one"));
      sender.close();
    }));
    RawSseClient client = client(port, RawSseClient.get("/stream"));

    assertThat(client.awaitEvents(1, DEADLINE)).extracting(MessageEvent::data).containsExactly("one");
    assertThat(client.awaitEnd(DEADLINE)).as("the stream ended with its last chunk").isTrue();
    client.send(RawSseClient.get("/events")).nextResponse();
    assertThat(client.awaitHead(DEADLINE)).as("the next request on the same connection").isEqualTo(200);
    assertThat(client.awaitEvents(1, DEADLINE)).extracting(MessageEvent::data).containsExactly("connected");
  }

  @Test
  void anHttp10ClientGetsAStreamThatTheConnectionsCloseEnds() throws Exception {
    // HTTP/1.0 has no chunked encoding (RFC 9112, section 6.1: a server must not send Transfer-Encoding to it), so
    // the stream is delimited by the connection's close, as on Herald's Netty transport.
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().greeting(Data.of("connected")));
    int port = start(ServerSetup.of(broadcaster));
    RawSseClient client = client(port, "GET /events HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(200);
    assertThat(client.response().header("Transfer-Encoding")).as("Transfer-Encoding").isNull();
    assertThat(client.response().header("Content-Length")).as("Content-Length").isNull();
    assertThat(client.awaitEvents(1, DEADLINE)).extracting(MessageEvent::data).containsExactly("connected");
    broadcaster.broadcast(Data.of("news"));
    assertThat(client.awaitEvents(2, DEADLINE)).extracting(MessageEvent::data).containsExactly("connected", "news");
    broadcaster.close();
    assertThat(client.awaitEnd(DEADLINE)).as("the stream ended by the server's close").isTrue();
  }

  @Test
  void aClientThatDoesNotReadTheEndOfItsStreamIsCutAfterTheCloseGrace() throws Exception {
    StreamGroup group = StreamGroup.create();
    Duration grace = Duration.ofMillis(500);
    AtomicInteger queued = new AtomicInteger();
    AtomicBoolean full = new AtomicBoolean();
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    int port = start(ServerSetup.of(broadcaster)
        .withBuffers(4096, true)
        .withStreamConfig(StreamConfig.builder().group(group).closeGrace(grace).build())
        .withOnStream(sender -> {
          while (sender.trySend(Data.of(KIB))) { // until its queue is full: far more than the sockets hold
            queued.incrementAndGet();
          }
          full.set(true);
        }));
    RawSseClient client = client(port, 4096, RawSseClient.get("/stream"));
    Probes.await(DEADLINE, full::get, () -> "the queue is not full: " + queued.get() + " events");

    long start = System.nanoTime();
    assertThat(group.shutdownAndAwait(DEADLINE)).as("the stream ended, cut").isTrue();
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(took).as("cut after the grace, not before and not much later").isBetween(grace, Duration.ofSeconds(3));
    assertThat(client.awaitEnd(DEADLINE)).as("the response was cut, not completed").isFalse();
  }

  @Test
  void aStalledClientIsCutAsSlowAndItsConnectionClosed() throws Exception {
    // Ten events of queue and small socket buffers: a stalled client is cut as slow, by the engine, and its
    // connection closed, whatever a drain in flight was doing when the engine closed its queue.
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .channel(ChannelConfig.builder().maxQueuedEvents(10).build()));
    int port = start(ServerSetup.of(broadcaster).withBuffers(4096, true));
    RawSseClient stalled = client(port, 4096, RawSseClient.get("/events"));
    stalled.awaitHead(DEADLINE);
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 1, () -> "clients: " + broadcaster.stats());

    for (int i = 0; i < 100 && broadcaster.stats().slowClientsDisconnected() == 0; i++) {
      broadcaster.broadcast(Data.of(KIB));
    }

    Probes.await(DEADLINE, () -> broadcaster.stats().slowClientsDisconnected() == 1,
        () -> "not cut as slow: " + broadcaster.stats());
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 0, () -> "clients: " + broadcaster.stats());
    stalled.awaitClosedByServer(DEADLINE);
  }

  @Test
  void aStreamOnNativeEpollBoundsWhatTheKernelHoldsUnsent() throws Exception {
    // Reactor Netty runs on epoll whenever its native jar loads: on this project's CI (Linux x86_64), always.
    assertThat(Epoll.isAvailable()).as("epoll: %s", Epoll.unavailabilityCause()).isTrue();
    List<Channel> sockets = new CopyOnWriteArrayList<>();
    host.with(server -> server.doOnConnection(connection -> sockets.add(connection.channel())));
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().greeting(Data.of("connected")));
    int port = start(ServerSetup.of(broadcaster));
    RawSseClient client = client(port, RawSseClient.get("/events"));

    assertThat(client.awaitEvents(1, DEADLINE)).extracting(MessageEvent::data).containsExactly("connected");
    long expected = machineWideUnsentLimit() ? 0L : 256 * 1024L;
    assertThat(sockets).isNotEmpty().allSatisfy(socket -> {
      assertThat(socket).isInstanceOf(EpollSocketChannel.class);
      assertThat(socket.config().getOption(EpollChannelOption.TCP_NOTSENT_LOWAT))
          .as("256 KiB, unless this machine sets net.ipv4.tcp_notsent_lowat for every socket (then 0: its own)")
          .isEqualTo(expected);
    });
  }

  /** Whether an administrator set the sysctl, which Herald then leaves to decide. */
  private static boolean machineWideUnsentLimit() throws IOException {
    // Not Files.readString: a /proc file says its size is 0, and that reads too little.
    try (BufferedReader sysctl = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/tcp_notsent_lowat"))) {
      return !sysctl.readLine().trim().equals("4294967295");
    }
  }

  private Broadcaster broadcaster(BroadcasterConfig.Builder config) {
    Broadcaster broadcaster = Broadcasters.create(config.build());
    cleanup.add(broadcaster::close);
    return broadcaster;
  }

  private int start(ServerSetup setup) throws Exception {
    TestServer server = host.start(setup);
    cleanup.add(server::stop);
    return server.port();
  }

  private RawSseClient client(int port, String request) throws IOException {
    return client(port, 0, request);
  }

  private RawSseClient client(int port, int receiveBuffer, String request) throws IOException {
    RawSseClient client = RawSseClient.connect(port, receiveBuffer);
    cleanup.add(client::close);
    return client.send(request);
  }
}
