package dev.herald.sse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.StreamGroup;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The HTTP/2 scenarios that need a client holding one stream's flow-control window, written once for every
 * transport's HTTP/2 test and run with {@link NettyH2Client}: one stalled stream among fifty cut alone, and a
 * shutdown that ends every stream with {@code END_STREAM} before the connection's {@code GOAWAY}. The transport's
 * test serves the broadcaster at a path and connects the client (h2c or h2); the scenario does the rest.
 *
 * <pre>{@code
 * Broadcaster broadcaster = Broadcasters.create(Http2Scenarios.stalledStreamConfig());
 * int port = serve(broadcaster); // at /events
 * try (NettyH2Client client = NettyH2Client.connect(port)) {
 *   Http2Scenarios.oneStalledStreamAmongFiftyIsCutAlone(broadcaster, client, "/events");
 * }
 * }</pre>
 *
 * <p><b>Threading.</b> Each scenario runs on the test's thread and waits with a ten-second deadline.
 */
public final class Http2Scenarios {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final String GREETING = "connected";

  private Http2Scenarios() {}

  /**
   * Returns the configuration {@link #oneStalledStreamAmongFiftyIsCutAlone} needs: a greeting, no heartbeat, a
   * queue of 64 events and a slow-client grace of one second, so that a burst reaches every stream of a busy
   * connection on a loaded machine and only the stream that stopped reading is cut.
   *
   * @return the configuration
   */
  public static BroadcasterConfig stalledStreamConfig() {
    return stalledStreamConfig(Duration.ofSeconds(1));
  }

  /**
   * Returns the configuration {@link #oneStalledStreamAmongFiftyIsCutAlone} needs, with another slow-client grace:
   * for a transport that takes longer, on a loaded machine, to serve fifty streams of one connection.
   *
   * @param grace how long a full queue may wait for room before its client is cut
   * @return the configuration
   */
  public static BroadcasterConfig stalledStreamConfig(Duration grace) {
    return BroadcasterConfig.builder()
        .greeting(Data.of(GREETING))
        .heartbeat(Duration.ZERO)
        .slowClientGrace(grace)
        .channel(ChannelConfig.builder().maxQueuedEvents(64).build())
        .build();
  }

  /**
   * Fifty streams on one connection; the first stops reading, so its window fills, then its Herald queue, and it
   * meets its overflow policy (cut as slow), while the other 49 get every one of 600 paced 1 KiB events and the
   * connection stays open; a broadcast after the cut reaches the 49.
   *
   * @param broadcaster a broadcaster made with {@link #stalledStreamConfig()}, served at {@code path}
   * @param client a client connected to the server, by h2c or h2
   * @param path the path that streams {@code broadcaster}
   * @throws Exception if the scenario cannot run
   */
  public static void oneStalledStreamAmongFiftyIsCutAlone(Broadcaster broadcaster, NettyH2Client client,
      String path) throws Exception {
    oneStalledStreamAmongFiftyIsCutAlone(broadcaster, client, path, 600);
  }

  /**
   * {@link #oneStalledStreamAmongFiftyIsCutAlone(Broadcaster, NettyH2Client, String)} with another number of
   * events, enough to fill the stalled stream's window, the transport's buffers and its Herald queue.
   *
   * @param broadcaster a broadcaster made with {@link #stalledStreamConfig()}, served at {@code path}
   * @param client a client connected to the server, by h2c or h2
   * @param path the path that streams {@code broadcaster}
   * @param events how many 1 KiB events to broadcast
   * @throws Exception if the scenario cannot run
   */
  public static void oneStalledStreamAmongFiftyIsCutAlone(Broadcaster broadcaster, NettyH2Client client,
      String path, int events) throws Exception {
    oneStalledStreamAmongFiftyIsCutAlone(broadcaster, client, path, events, NettyH2Client.Stream::reset);
  }

  /**
   * {@link #oneStalledStreamAmongFiftyIsCutAlone(Broadcaster, NettyH2Client, String, int)}, where the transport's
   * test says what becomes of the cut stream on the wire: the scenario resets it, since a server may keep it open
   * (Tomcat does); a transport that ends it can check that here instead, by reading it again and awaiting its end.
   *
   * @param broadcaster a broadcaster made with {@link #stalledStreamConfig()}, served at {@code path}
   * @param client a client connected to the server, by h2c or h2
   * @param path the path that streams {@code broadcaster}
   * @param events how many 1 KiB events to broadcast
   * @param afterTheCut what to do with the stalled stream once the server cut it; it must leave the stream ended
   *     on the client and its held buffers read or released, before a last broadcast reaches the 49
   * @throws Exception if the scenario cannot run
   */
  public static void oneStalledStreamAmongFiftyIsCutAlone(Broadcaster broadcaster, NettyH2Client client,
      String path, int events, Consumer<NettyH2Client.Stream> afterTheCut) throws Exception {
    List<NettyH2Client.Stream> streams = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      streams.add(client.open(path));
    }
    streams.forEach(stream -> stream.awaitEvents(1));
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 50, () -> "clients: " + broadcaster.stats());
    NettyH2Client.Stream stalled = streams.get(0);
    stalled.stopReading(); // its window is never given back: it fills, then its Herald queue

    String kilobyte = "x".repeat(1024);
    for (int i = 0; i < events; i++) {
      // Paced: each broadcast waits for every client to have queued it, so a reader that fell behind would show
      // here as a timeout, and the stalled one delays the producer by one grace at most.
      broadcaster.broadcastPaced(Data.of(i + " " + kilobyte)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    for (int i = 1; i < streams.size(); i++) {
      NettyH2Client.Stream reader = streams.get(i);
      int index = i;
      Probes.await(DEADLINE, () -> reader.events().size() >= events + 1, () -> "reader " + index + " got "
          + reader.events().size() + " events, open " + reader.isOpen() + "; " + broadcaster.stats());
      assertThat(reader.awaitEvents(events + 1)).as("every event, in full").hasSize(events + 1);
    }
    Probes.await(DEADLINE, () -> broadcaster.stats().slowClientsDisconnected() == 1,
        () -> "not cut: " + broadcaster.stats());
    assertThat(broadcaster.clientCount()).as("the 49 readers stay").isEqualTo(49);
    assertThat(client.isOpen()).as("one stream's window is not the connection's").isTrue();
    assertThat(stalled.events().size()).as("the stalled stream got less than everything").isLessThan(events + 1);
    // The server is done with the stalled stream; a server may end it on the wire or keep it open, holding what it
    // could not send, until the client resets it (Tomcat does), so by default the client ends it.
    afterTheCut.accept(stalled);
    assertThat(stalled.isOpen()).as("the cut stream ended on the client").isFalse();
    broadcaster.broadcast(Data.of("after the cut"));
    for (NettyH2Client.Stream reader : streams.subList(1, streams.size())) {
      assertThat(reader.awaitEvents(events + 2)).last().extracting(MessageEvent::data).isEqualTo("after the cut");
    }
    assertThat(client.isOpen()).isTrue();
  }

  /**
   * Two streams on one connection hear a last broadcast; the group's shutdown ends both with {@code END_STREAM};
   * then stopping the server says {@code GOAWAY} with {@code NO_ERROR} and closes the connection.
   *
   * @param broadcaster a broadcaster with the greeting {@code connected}, served at {@code path}
   * @param group the stream group that includes {@code broadcaster}
   * @param server the server, stopped by the scenario
   * @param client a client connected to the server, by h2c or h2
   * @param path the path that streams {@code broadcaster}
   * @throws Exception if the scenario cannot run
   */
  public static void aShutdownEndsEveryStreamThenStoppingSaysGoaway(Broadcaster broadcaster, StreamGroup group,
      TestServer server, NettyH2Client client, String path) throws Exception {
    NettyH2Client.Stream one = client.open(path);
    NettyH2Client.Stream two = client.open(path);
    one.awaitEvents(1);
    two.awaitEvents(1);
    broadcaster.broadcast(Data.of("last"));
    one.awaitEvents(2);
    two.awaitEvents(2);

    assertThat(group.shutdownAndAwait(DEADLINE)).isTrue();
    one.awaitEnded();
    two.awaitEnded();
    server.stop();

    Probes.await(DEADLINE, () -> client.goAway() >= 0, () -> "no GOAWAY");
    assertThat(client.goAway()).as("NO_ERROR").isZero();
    Probes.await(DEADLINE, () -> !client.isOpen(), () -> "the connection stayed open");
    assertThat(one.events()).extracting(MessageEvent::data).containsExactly(GREETING, "last");
    assertThat(two.events()).extracting(MessageEvent::data).containsExactly(GREETING, "last");
  }
}
