package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/** A gzip stream per client from frames compressed once: valid gzip, decodable event by event, shared bytes. */
class GzipChannelTest {
  private final Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
      .heartbeat(Duration.ZERO).greeting(Data.of("connected")).assignIds(true).firstId(1).build());

  private static byte[] bytes(Frame frame) {
    ByteBuffer buffer = frame.buffer();
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }

  /** Polls what the channel has now, as a transport's drain does. */
  private static List<Frame> drain(SseChannel channel) {
    List<Frame> frames = new ArrayList<>();
    Frame frame;
    while ((frame = channel.poll()) != null) {
      frames.add(frame);
    }
    return frames;
  }

  @Test
  void aBroadcastIsCompressedOnceAndEveryClientSendsTheSameBytes() {
    GzipChannel first = new GzipChannel(broadcaster.subscribe(null));
    GzipChannel second = new GzipChannel(broadcaster.subscribe(null));
    first.start(() -> {});
    second.start(() -> {});
    drain(first);
    drain(second);

    broadcaster.broadcast(Data.of("{\"status\":\"paid\",\"status2\":\"paid\",\"status3\":\"paid\"}"));

    List<Frame> one = drain(first);
    List<Frame> two = drain(second);
    assertThat(one).hasSize(1);
    assertThat(two).hasSize(1);
    assertThat(one.get(0)).as("the same compressed frame, not a copy").isSameAs(two.get(0));
  }

  @Test
  void eachEventDecodesAsItArrivesAndTheStreamEndsAsValidGzip() throws Exception {
    SseChannel plain = broadcaster.subscribe(null);
    GzipChannel gzip = new GzipChannel(broadcaster.subscribe(null));
    plain.start(() -> {});
    gzip.start(() -> {});
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    ByteArrayOutputStream decoded = new ByteArrayOutputStream();
    Inflater client = new Inflater(true);
    drain(plain).forEach(frame -> expected.writeBytes(bytes(frame)));
    List<Frame> first = drain(gzip);
    assertThat(bytes(first.get(0))).startsWith((byte) 0x1f, (byte) 0x8b); // the header comes first
    wire.writeBytes(bytes(first.get(0)));
    int fed = wire.size(); // the client inflates what follows the header as it arrives
    first.stream().skip(1).forEach(frame -> wire.writeBytes(bytes(frame)));

    for (int i = 0; i < 50; i++) {
      broadcaster.broadcast(Data.of("{\"order\":" + i + ",\"status\":\"shipped\",\"currency\":\"EUR\"}"));
      drain(plain).forEach(frame -> expected.writeBytes(bytes(frame)));
      drain(gzip).forEach(frame -> wire.writeBytes(bytes(frame)));

      byte[] arrived = wire.toByteArray();
      client.setInput(arrived, fed, arrived.length - fed);
      fed = arrived.length;
      byte[] buffer = new byte[4096];
      int n;
      while ((n = client.inflate(buffer)) > 0) {
        decoded.write(buffer, 0, n);
      }
      assertThat(decoded.toString(StandardCharsets.UTF_8)).as("all sent so far decodes, event %d included", i)
          .isEqualTo(expected.toString(StandardCharsets.UTF_8));
    }
    broadcaster.close();
    drain(plain).forEach(frame -> expected.writeBytes(bytes(frame)));
    List<Frame> end = drain(gzip);
    end.forEach(frame -> wire.writeBytes(bytes(frame)));

    assertThat(end).as("the trailer, once the stream is over").hasSize(1);
    assertThat(gzip.hasPending()).isFalse();
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(wire.toByteArray()))) {
      assertThat(in.readAllBytes()).isEqualTo(expected.toByteArray()); // its CRC-32 and length are checked too
    }
  }

  @Test
  void theTrailerCombinedFromEachEventsCrcMatchesEventsOfEverySize() throws Exception {
    // Each client's trailer CRC-32 is combined from the frames' own CRC-32s: events of a few bytes and of ~200 KB,
    // for a client there from the start and one that joined mid-stream (its CRC-32 starts at its own first event).
    SseChannel plain = broadcaster.subscribe(null);
    GzipChannel early = new GzipChannel(broadcaster.subscribe(null));
    plain.start(() -> {});
    early.start(() -> {});
    SplittableRandom random = new SplittableRandom(18);
    for (int i = 0; i < 17; i++) {
      broadcaster.broadcast(Data.of(text(random, i)));
    }
    SseChannel plainLate = broadcaster.subscribe(null);
    GzipChannel late = new GzipChannel(broadcaster.subscribe(null));
    plainLate.start(() -> {});
    late.start(() -> {});
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    ByteArrayOutputStream earlyWire = new ByteArrayOutputStream();
    ByteArrayOutputStream lateExpected = new ByteArrayOutputStream();
    ByteArrayOutputStream lateWire = new ByteArrayOutputStream();
    drain(plain).forEach(frame -> expected.writeBytes(bytes(frame)));
    drain(early).forEach(frame -> earlyWire.writeBytes(bytes(frame)));
    for (int i = 17; i < 40; i++) {
      broadcaster.broadcast(Data.of(text(random, i)));
      drain(plain).forEach(frame -> expected.writeBytes(bytes(frame)));
      drain(early).forEach(frame -> earlyWire.writeBytes(bytes(frame)));
      drain(plainLate).forEach(frame -> lateExpected.writeBytes(bytes(frame)));
      drain(late).forEach(frame -> lateWire.writeBytes(bytes(frame)));
    }
    broadcaster.close();
    drain(plain).forEach(frame -> expected.writeBytes(bytes(frame)));
    drain(early).forEach(frame -> earlyWire.writeBytes(bytes(frame)));
    drain(plainLate).forEach(frame -> lateExpected.writeBytes(bytes(frame)));
    drain(late).forEach(frame -> lateWire.writeBytes(bytes(frame)));

    // GZIPInputStream checks the trailer's CRC-32 and length against what it decoded
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(earlyWire.toByteArray()))) {
      assertThat(in.readAllBytes()).isEqualTo(expected.toByteArray());
    }
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(lateWire.toByteArray()))) {
      assertThat(in.readAllBytes()).isEqualTo(lateExpected.toByteArray()).hasSizeGreaterThan(300_000);
    }
  }

  /** Random letters: every tenth text of about 200 KB, the others up to 2 KB. */
  private static String text(SplittableRandom random, int i) {
    int size = i % 10 == 9 ? 150_000 + random.nextInt(50_000) : random.nextInt(1, 2_000);
    StringBuilder text = new StringBuilder(size);
    random.ints(size, 'a', 'z' + 1).forEach(c -> text.append((char) c));
    return text.toString();
  }

  @Test
  void aClientCutAsSlowGetsNoTrailer() {
    GzipChannel gzip = new GzipChannel(broadcaster.subscribe(null));
    gzip.start(() -> {});
    drain(gzip);

    gzip.close(CloseReason.SLOW_CONSUMER);

    assertThat(drain(gzip)).isEmpty();
    assertThat(gzip.hasPending()).isFalse();
  }
}
