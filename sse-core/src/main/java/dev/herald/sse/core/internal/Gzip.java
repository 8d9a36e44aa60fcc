package dev.herald.sse.core.internal;

import java.io.ByteArrayOutputStream;
import java.util.zip.Deflater;

/**
 * The pieces of a gzip stream (RFC 1952) whose events are compressed once for every client: a fixed header, each
 * frame deflated on its own, and a trailer of the client's own.
 *
 * <p>Each frame is deflated from a fresh state and ends with a full flush: its blocks refer to nothing before them
 * and end on a byte boundary, none of them final. Any sequence of such frames is therefore a valid deflate stream,
 * whichever frames a client got, and each frame is decodable as soon as it arrives. The trailer closes the stream with
 * a final empty block, then the CRC-32 and length of what that client was sent; each frame carries its own CRC-32
 * and length ({@link DeflatedFrame}), so a client's CRC-32 is combined from them ({@link Crc32Combine}), not run over
 * the bytes again. The price is the ratio: a frame cannot refer to the frames before it (see
 * {@code sse-bench/results/compression-2026-11-30.md}).
 *
 * <p><b>Threading.</b> Stateless; {@link #deflate} uses a compressor of the calling thread's own.
 */
final class Gzip {
  /** The header: deflate, no flags, no time, unknown OS. */
  static final ByteFrame HEADER = new ByteFrame(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff});
  /** Deflate level 1: on small events it compresses as well as the default level, at a fraction of the CPU. */
  private static final ThreadLocal<Deflater> DEFLATERS = ThreadLocal.withInitial(() ->
      new Deflater(Deflater.BEST_SPEED, true));

  private Gzip() {}

  /**
   * Deflates bytes on their own, ending with a full flush and no final block.
   *
   * @param input the bytes
   * @return raw deflate blocks
   */
  static byte[] deflate(byte[] input) {
    Deflater deflater = DEFLATERS.get();
    deflater.reset();
    deflater.setInput(input);
    ByteArrayOutputStream out = new ByteArrayOutputStream(input.length / 2 + 16);
    byte[] buffer = new byte[Math.max(64, input.length + 64)];
    int n;
    do {
      n = deflater.deflate(buffer, 0, buffer.length, Deflater.FULL_FLUSH);
      out.write(buffer, 0, n);
    } while (n == buffer.length);
    return out.toByteArray();
  }

  /**
   * Makes the end of one client's stream: a final empty block, then the CRC-32 and the length (modulo 2<sup>32</sup>)
   * of the uncompressed bytes it was sent, little-endian.
   *
   * @param crc the CRC-32 of what the client was sent
   * @param length how many uncompressed bytes it was sent
   * @return the trailer
   */
  static ByteFrame trailer(int crc, long length) {
    byte[] bytes = new byte[10];
    bytes[0] = 3; // a final block with fixed codes whose first code is the end of the block
    bytes[1] = 0;
    for (int i = 0; i < 4; i++) {
      bytes[2 + i] = (byte) (crc >>> (8 * i));
      bytes[6 + i] = (byte) (length >>> (8 * i));
    }
    return new ByteFrame(bytes);
  }
}
