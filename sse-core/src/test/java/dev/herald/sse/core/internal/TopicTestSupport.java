package dev.herald.sse.core.internal;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.testing.FakeTransport;
import dev.herald.sse.spi.SseChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** What the topic tests share: broadcasters and transports closed after each test, and reading up to an end. */
abstract class TopicTestSupport {
  private static final String END = "end";
  final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void closeResources() throws Exception {
    Collections.reverse(resources);
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  /** A broadcaster without heartbeats, closed after the test. */
  Broadcaster broadcaster(BroadcasterConfig.Builder config) {
    Broadcaster broadcaster = Broadcasters.create(config.heartbeat(Duration.ZERO).build());
    resources.add(broadcaster);
    return broadcaster;
  }

  /** A transport that drains this channel, stopped after the test. */
  FakeTransport serve(SseChannel channel) {
    FakeTransport transport = FakeTransport.serve(channel);
    resources.add(transport);
    return transport;
  }

  /** Subscribes a client to these topics and serves it. */
  FakeTransport client(Broadcaster broadcaster, String... topics) {
    return serve(broadcaster.subscribe(null, List.of(topics)));
  }

  /**
   * Broadcasts an end marker and returns the data the client read before it: everything it was sent until then,
   * since a broadcast reaches every client after what was queued for it before.
   */
  static List<String> until(Broadcaster broadcaster, FakeTransport client) {
    broadcaster.broadcast(Data.of(END));
    FakeTransport.Await.until(() -> client.data().contains(END), () -> "no end marker: " + client.data());
    List<String> data = client.data();
    return data.subList(0, data.indexOf(END));
  }
}
