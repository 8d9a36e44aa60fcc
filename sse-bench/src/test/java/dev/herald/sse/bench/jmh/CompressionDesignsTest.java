package dev.herald.sse.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/**
 * Both designs make valid gzip streams whose every event is decodable the moment it is sent, which is what the
 * measurements compare; the per-broadcast one with the same compressed bytes for every client.
 */
class CompressionDesignsTest {
  private final List<byte[]> trace = CompressionDesigns.trace(200, 7);

  @Test
  void aPerConnectionStreamDecodesEachEventAsItArrivesAndWholeAsGzip() throws Exception {
    CompressionDesigns.PerConnection stream = new CompressionDesigns.PerConnection(6);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    wire.writeBytes(stream.header());
    Inflater inflater = new Inflater(true);
    for (byte[] frame : trace) {
      ByteArrayOutputStream sent = new ByteArrayOutputStream();
      stream.event(frame, sent);
      wire.writeBytes(sent.toByteArray());
      assertThat(inflate(inflater, sent.toByteArray(), frame.length)).isEqualTo(frame);
    }
    stream.finish(wire);

    assertThat(gunzip(wire.toByteArray())).isEqualTo(concat(trace));
  }

  @Test
  void perBroadcastBlocksMakeAValidStreamForEveryClientWhereverItJoined() throws Exception {
    CompressionDesigns.PerBroadcast encoder = new CompressionDesigns.PerBroadcast(6);
    List<byte[]> shared = trace.stream().map(encoder::compress).toList();
    encoder.end();

    for (int joined : new int[] {0, 1, 57, 199}) { // clients that joined at different events, sharing the bytes
      ByteArrayOutputStream wire = new ByteArrayOutputStream();
      wire.writeBytes(CompressionDesigns.GZIP_HEADER);
      Inflater inflater = new Inflater(true);
      CRC32 crc = new CRC32();
      long length = 0;
      for (int i = joined; i < trace.size(); i++) {
        wire.writeBytes(shared.get(i));
        assertThat(inflate(inflater, shared.get(i), trace.get(i).length)).as("event %d at once", i)
            .isEqualTo(trace.get(i));
        crc.update(trace.get(i));
        length += trace.get(i).length;
      }
      wire.writeBytes(CompressionDesigns.FINAL_EMPTY_BLOCK);
      CompressionDesigns.writeTrailer(wire, crc.getValue(), length);

      assertThat(gunzip(wire.toByteArray())).isEqualTo(concat(trace.subList(joined, trace.size())));
    }
  }

  private static byte[] inflate(Inflater inflater, byte[] input, int expected) throws Exception {
    inflater.setInput(input);
    byte[] out = new byte[expected];
    int n = 0;
    while (n < expected) {
      int got = inflater.inflate(out, n, expected - n);
      if (got == 0) {
        break; // everything the sender flushed is out: if the event is short, the test fails on it
      }
      n += got;
    }
    return n == expected ? out : java.util.Arrays.copyOf(out, n);
  }

  private static byte[] gunzip(byte[] gzip) throws Exception {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return in.readAllBytes();
    }
  }

  private static byte[] concat(List<byte[]> frames) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    frames.forEach(all::writeBytes);
    return all.toByteArray();
  }
}
