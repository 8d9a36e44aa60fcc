package dev.herald.sse.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.testkit.CompressedStreams;
import dev.herald.sse.testkit.RawSseClient;
import dev.herald.sse.testkit.ServerSetup;
import dev.herald.sse.testkit.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Reactor Netty's own compression, per connection, and a Herald stream on WebFlux: {@code HttpServer.compress(true)}
 * puts Netty's {@code HttpContentCompressor} in every connection's pipeline and compresses any response whatever its
 * type. Its zlib encoder deflates each chunk with {@code SYNC_FLUSH}, so each event is decodable the moment it is
 * sent, as with the compressor on Herald's Netty transport ({@code NettyCompressionIT}). It sets no {@code Vary}, and
 * leaves a response alone whose {@code Content-Encoding} is set already, as Herald's own gzip sets it.
 */
class WebFluxCompressionIT {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private final WebFluxHost host = new WebFluxHost().with(server -> server.compress(true));
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    host.afterEachTest();
  }

  @Test
  void withCompressOnEachEventDecodesTheMomentItIsSent() throws Exception {
    Broadcaster broadcaster = broadcaster();
    RawSseClient client = client(start(ServerSetup.of(broadcaster)));

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(200);
    assertThat(client.response().headers("Content-Encoding")).as("Content-Encoding").containsExactly("gzip");
    // Netty's HttpContentEncoder adds no Vary; an application behind a cache adds it (the README says so).
    assertThat(client.response().header("Vary")).as("Vary").isNull();
    CompressedStreams.eachEventDecodesTheMomentItIsSent(broadcaster, client, DEADLINE);
  }

  @Test
  void aStreamHeraldCompressesIsNotCompressedAgainByReactorNetty() throws Exception {
    Broadcaster broadcaster = broadcaster();
    StreamConfig gzip = StreamConfig.builder().gzip(true).build();
    RawSseClient client = client(start(ServerSetup.of(broadcaster).withStreamConfig(gzip)));

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(200);
    CompressedStreams.compressedOnce(broadcaster, client, DEADLINE);
  }

  private Broadcaster broadcaster() {
    Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO)
        .greeting(Data.of("connected")).build());
    cleanup.add(broadcaster::close);
    return broadcaster;
  }

  private int start(ServerSetup setup) throws Exception {
    TestServer server = host.start(setup);
    cleanup.add(server::stop);
    return server.port();
  }

  private RawSseClient client(int port) throws Exception {
    RawSseClient client = RawSseClient.connect(port, 0);
    cleanup.add(client::close);
    return client.send(RawSseClient.get("/events", "Accept-Encoding: gzip"));
  }
}
