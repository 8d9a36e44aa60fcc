package dev.herald.sse.bench.jmh;

import dev.herald.sse.Data;
import dev.herald.sse.core.EventEncoder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * The two designs for compressing event streams that issue 18 asks to measure, on a trace of realistic JSON
 * events, so that the choice rests on figures: bytes on the wire and CPU per event.
 *
 * <ul>
 *   <li>{@link PerConnection}: one gzip stream per client, flushed after every event ({@code SYNC_FLUSH}, so each
 *       event is decodable the moment it is sent). Later events refer back to earlier ones: the best ratio, but the
 *       compression runs once per client per event, and each client holds a compressor.
 *   <li>{@link PerBroadcast}: each event compressed once, alone ({@code FULL_FLUSH} from a fresh state, so its
 *       deflate blocks refer to nothing before them), and the same bytes sent to every client between a gzip header
 *       and a trailer of the client's own. The compression runs once per event whatever the number of clients; the
 *       ratio is what one event compresses to on its own.
 * </ul>
 *
 * <p>Not thread-safe: each instance is one stream's, or one encoder's.
 */
public final class CompressionDesigns {
  /** A gzip header: deflate, no flags, no time, unknown OS (RFC 1952). */
  static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
  /** A final, empty fixed-Huffman block: the end of a deflate stream whose blocks so far were not final. */
  static final byte[] FINAL_EMPTY_BLOCK = {3, 0};

  private static final String[] STATUSES = {"created", "paid", "packed", "shipped", "delivered", "cancelled"};
  private static final String[] CITIES = {"Lyon", "Porto", "Gdansk", "Leipzig", "Bologna", "Tartu", "Ghent", "Aarhus"};

  private CompressionDesigns() {}

  /**
   * Makes a trace of realistic events: JSON of about 300 bytes with the same keys in every event and values that
   * vary (order updates of a shop), encoded as SSE frames with ids, as a broadcaster sends them.
   *
   * @param count how many events
   * @param seed the random seed, so that runs compare
   * @return the encoded frames
   */
  public static List<byte[]> trace(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<byte[]> frames = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String json = order(random);
      ByteBuffer frame = EventEncoder.encode(Data.of(json).withId(Integer.toString(i + 1))).buffer();
      byte[] bytes = new byte[frame.remaining()];
      frame.get(bytes);
      frames.add(bytes);
    }
    return frames;
  }

  /**
   * Makes one realistic event's data: an order update of a shop, JSON of about 300 bytes whose keys repeat from one
   * event to the next and whose values vary.
   *
   * @param random where the values come from
   * @return the JSON text
   */
  public static String order(SplittableRandom random) {
    return "{\"type\":\"order.updated\",\"orderId\":\"ord_" + Long.toHexString(random.nextLong())
        + "\",\"status\":\"" + STATUSES[random.nextInt(STATUSES.length)]
        + "\",\"customer\":{\"id\":" + random.nextInt(1_000_000) + ",\"city\":\""
        + CITIES[random.nextInt(CITIES.length)] + "\",\"tier\":\"" + (random.nextBoolean() ? "gold" : "basic")
        + "\"},\"items\":[{\"sku\":\"SKU-" + random.nextInt(100_000) + "\",\"qty\":" + (1 + random.nextInt(5))
        + ",\"price\":" + random.nextInt(10_000) / 100.0 + "},{\"sku\":\"SKU-" + random.nextInt(100_000)
        + "\",\"qty\":" + (1 + random.nextInt(5)) + ",\"price\":" + random.nextInt(10_000) / 100.0
        + "}],\"total\":" + random.nextInt(100_000) / 100.0 + ",\"currency\":\"EUR\",\"updatedAt\":\"2026-11-30T"
        + String.format("%02d:%02d:%02d.%03dZ", random.nextInt(24), random.nextInt(60), random.nextInt(60),
            random.nextInt(1000)) + "\"}";
  }

  /** One client's gzip stream, flushed after every event. */
  public static final class PerConnection {
    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private final byte[] buffer = new byte[64 * 1024];
    private long total;
    private long in;

    /**
     * Starts a stream.
     *
     * @param level the deflate level, 1 to 9
     */
    public PerConnection(int level) {
      this.deflater = new Deflater(level, true);
    }

    /**
     * Returns the stream's first bytes, the gzip header.
     *
     * @return a new array
     */
    public byte[] header() {
      total += GZIP_HEADER.length;
      return GZIP_HEADER.clone();
    }

    /**
     * Compresses one event and flushes it, so that the client can decode it at once.
     *
     * @param frame the event's bytes
     * @param out where the compressed bytes go
     * @return how many compressed bytes the event took
     */
    public int event(byte[] frame, ByteArrayOutputStream out) {
      crc.update(frame);
      in += frame.length;
      deflater.setInput(frame);
      int written = 0;
      int n;
      do {
        n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
        out.write(buffer, 0, n);
        written += n;
      } while (n == buffer.length);
      total += written;
      return written;
    }

    /**
     * Ends the stream: the last block and the trailer.
     *
     * @param out where they go
     */
    public void finish(ByteArrayOutputStream out) {
      deflater.finish();
      int n;
      while ((n = deflater.deflate(buffer)) > 0) {
        out.write(buffer, 0, n);
        total += n;
      }
      writeTrailer(out, crc.getValue(), in);
      total += 8;
      deflater.end();
    }

    /**
     * Returns how many bytes the stream has sent.
     *
     * @return the bytes so far
     */
    public long total() {
      return total;
    }
  }

  /** Compresses each event once, alone, into deflate blocks that any client's stream can carry. */
  public static final class PerBroadcast {
    private final Deflater deflater;
    private final byte[] buffer = new byte[64 * 1024];

    /**
     * Makes the encoder.
     *
     * @param level the deflate level, 1 to 9
     */
    public PerBroadcast(int level) {
      this.deflater = new Deflater(level, true);
    }

    /**
     * Compresses one event on its own: a fresh deflate state, and a full flush, so the blocks need nothing before
     * them and leave nothing behind.
     *
     * @param frame the event's bytes
     * @return the blocks, which every client's stream carries as they are
     */
    public byte[] compress(byte[] frame) {
      deflater.reset();
      deflater.setInput(frame);
      ByteArrayOutputStream out = new ByteArrayOutputStream(frame.length);
      int n;
      do {
        n = deflater.deflate(buffer, 0, buffer.length, Deflater.FULL_FLUSH);
        out.write(buffer, 0, n);
      } while (n == buffer.length);
      return out.toByteArray();
    }

    /** Frees the compressor's native memory. */
    public void end() {
      deflater.end();
    }
  }

  /**
   * Writes a gzip trailer: the CRC-32 and the length (modulo 2<sup>32</sup>) of the uncompressed bytes, little-endian.
   *
   * @param out where it goes
   * @param crc the CRC-32 of everything the stream carried
   * @param length how many uncompressed bytes it carried
   */
  static void writeTrailer(ByteArrayOutputStream out, long crc, long length) {
    for (long value : new long[] {crc, length & 0xffffffffL}) {
      for (int i = 0; i < 4; i++) {
        out.write((int) (value >>> (8 * i)) & 0xff);
      }
    }
  }

  /**
   * Measures both designs on a trace and prints the figures: bytes on the wire for one client that receives the
   * whole trace, and the ratio to the uncompressed stream.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    List<byte[]> trace = trace(1_000, 42);
    long raw = trace.stream().mapToLong(frame -> frame.length).sum();
    System.out.printf("trace: %d events, %d bytes uncompressed (%.0f B per event)%n", trace.size(), raw,
        raw / (double) trace.size());
    for (int level : new int[] {1, 6}) {
      PerConnection stream = new PerConnection(level);
      ByteArrayOutputStream sink = new ByteArrayOutputStream();
      sink.writeBytes(stream.header());
      for (byte[] frame : trace) {
        stream.event(frame, sink);
      }
      stream.finish(sink);
      PerBroadcast once = new PerBroadcast(level);
      long shared = GZIP_HEADER.length + FINAL_EMPTY_BLOCK.length + 8;
      for (byte[] frame : trace) {
        shared += once.compress(frame).length;
      }
      once.end();
      System.out.printf("level %d: per connection %d bytes (%.1fx), per broadcast %d bytes (%.1fx)%n", level,
          stream.total(), raw / (double) stream.total(), shared, raw / (double) shared);
    }
    String sample = new String(trace.get(0), StandardCharsets.UTF_8);
    System.out.println("first event: " + sample.strip());
  }
}
