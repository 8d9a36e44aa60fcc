package dev.herald.sse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.testkit.CompressedStreams;
import dev.herald.sse.testkit.Probes;
import dev.herald.sse.testkit.RawSseClient;
import dev.herald.sse.testkit.TestServer;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import jakarta.servlet.http.HttpServlet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a servlet container's own compression, per connection, does to a Herald stream (Herald's {@code gzip} off):
 * as the container ships it, and turned on for event streams as the README configures it. Each subclass runs every
 * test on its own container. The client reads with the test kit's {@link RawSseClient}, which decodes gzip as the
 * bytes arrive, as a browser does: an event the container holds back in its compressor is an event the client has
 * not got.
 */
abstract class AbstractServletCompressionIT {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private final List<AutoCloseable> cleanup = new ArrayList<>();

  /** Starts the container with its compression turned on as it ships, every other setting left as it is. */
  abstract TestServer startWithDefaultCompression(Map<String, HttpServlet> servlets) throws Exception;

  /** Starts the container with its compression turned on for event streams, as the README configures it. */
  abstract TestServer startCompressingEventStreams(Map<String, HttpServlet> servlets) throws Exception;

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  @Test
  void theContainersDefaultCompressionLeavesAStreamUncompressed() throws Exception {
    Broadcaster broadcaster = broadcaster();
    int port = start(startWithDefaultCompression(Map.of("/events", new SseServlet(broadcaster))));
    RawSseClient client = client(port);

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(200);
    assertThat(client.response().header("Content-Encoding")).as("Content-Encoding").isNull();
    assertThat(client.awaitEvents(1, DEADLINE)).extracting(MessageEvent::data).containsExactly("connected");
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 1, () -> "not subscribed");
    broadcaster.broadcast(Data.of(CompressedStreams.ORDER));
    assertThat(client.awaitEvents(2, DEADLINE)).extracting(MessageEvent::data)
        .containsExactly("connected", CompressedStreams.ORDER);
  }

  @Test
  void withEventStreamsIncludedEachEventDecodesTheMomentItIsSent() throws Exception {
    Broadcaster broadcaster = broadcaster();
    int port = start(startCompressingEventStreams(Map.of("/events", new SseServlet(broadcaster))));
    RawSseClient client = client(port);

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(200);
    assertThat(client.response().headers("Content-Encoding")).as("Content-Encoding").containsExactly("gzip");
    assertThat(client.response().header("Vary")).as("Vary").containsIgnoringCase("accept-encoding");
    CompressedStreams.eachEventDecodesTheMomentItIsSent(broadcaster, client, DEADLINE);
  }

  @Test
  void aStreamHeraldCompressesIsNotCompressedAgainByTheContainer() throws Exception {
    Broadcaster broadcaster = broadcaster();
    StreamConfig gzip = StreamConfig.builder().gzip(true).build();
    int port = start(startCompressingEventStreams(Map.of("/events", new SseServlet(broadcaster, gzip))));
    RawSseClient client = client(port);

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(200);
    CompressedStreams.compressedOnce(broadcaster, client, DEADLINE);
  }

  private Broadcaster broadcaster() {
    Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO)
        .greeting(Data.of("connected")).build());
    cleanup.add(broadcaster::close);
    return broadcaster;
  }

  private int start(TestServer server) {
    cleanup.add(server::stop);
    return server.port();
  }

  private RawSseClient client(int port) throws Exception {
    RawSseClient client = RawSseClient.connect(port, 0);
    cleanup.add(client::close);
    return client.send(RawSseClient.get("/events", "Accept-Encoding: gzip"));
  }
}
