package dev.herald.sse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.IOException;
import java.time.Duration;

/**
 * Checks of a gzip-compressed stream as a browser reads it, for the tests of a host's own compressor beside Herald's
 * transports: the client decodes the body as its bytes arrive ({@link RawSseClient}), so an event that a compressor
 * holds back is an event the client has not got.
 *
 * <p>Each check starts from a stream whose head has been read, served by a broadcaster with a {@code connected}
 * greeting, and closes the broadcaster to see the stream end.
 *
 * <p><b>Threading.</b> Stateless; the test's thread.
 */
public final class CompressedStreams {
  /** A realistic event: a small JSON object with repeated keys, as an order-status stream sends them. */
  public static final String ORDER = "{\"type\":\"order.updated\",\"status\":\"paid\",\"currency\":\"EUR\"}";

  private CompressedStreams() {}

  /**
   * Checks that each of 20 broadcasts is decoded from what has arrived before the next is sent, then that the stream
   * ends with its last chunk and a gzip trailer that matches what was sent.
   *
   * @param broadcaster the stream's broadcaster, closed at the end
   * @param client the client of the stream
   * @param deadline how long to wait for each step
   * @throws IOException if the client fails to read
   */
  public static void eachEventDecodesTheMomentItIsSent(Broadcaster broadcaster, RawSseClient client,
      Duration deadline) throws IOException {
    awaitSubscribed(broadcaster, client, deadline);
    for (int i = 0; i < 20; i++) {
      String order = ORDER.replace("paid", "paid-" + i);
      broadcaster.broadcast(Data.of(order));
      // Decoded from what has arrived, before the next broadcast: the compressor held nothing back.
      assertThat(client.awaitEvents(2 + i, deadline).get(1 + i).data()).isEqualTo(order);
    }
    endsCleanly(broadcaster, client, deadline, "a final block and a trailer that matches");
  }

  /**
   * Checks that a stream Herald compresses itself says one encoding once and is one whole gzip stream: the host's
   * compressor saw Herald's {@code Content-Encoding} and left the body alone.
   *
   * @param broadcaster the stream's broadcaster, closed at the end
   * @param client the client of the stream
   * @param deadline how long to wait for each step
   * @throws IOException if the client fails to read
   */
  public static void compressedOnce(Broadcaster broadcaster, RawSseClient client, Duration deadline)
      throws IOException {
    assertThat(client.response().headers("Content-Encoding")).as("Content-Encoding").containsExactly("gzip");
    awaitSubscribed(broadcaster, client, deadline);
    broadcaster.broadcast(Data.of(ORDER));
    assertThat(client.awaitEvents(2, deadline)).extracting(MessageEvent::data).containsExactly("connected", ORDER);
    endsCleanly(broadcaster, client, deadline, "one gzip stream, whole");
  }

  private static void awaitSubscribed(Broadcaster broadcaster, RawSseClient client, Duration deadline)
      throws IOException {
    assertThat(client.awaitEvents(1, deadline)).extracting(MessageEvent::data).containsExactly("connected");
    Probes.await(deadline, () -> broadcaster.clientCount() == 1, () -> "not subscribed");
  }

  private static void endsCleanly(Broadcaster broadcaster, RawSseClient client, Duration deadline, String gzip)
      throws IOException {
    broadcaster.close();
    assertThat(client.awaitEnd(deadline)).as("the stream ended with its last chunk").isTrue();
    assertThat(client.gzipEndedCleanly()).as(gzip).isTrue();
  }
}
