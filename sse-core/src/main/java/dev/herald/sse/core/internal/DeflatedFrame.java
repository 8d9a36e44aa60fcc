package dev.herald.sse.core.internal;

import dev.herald.sse.spi.Frame;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * A frame deflated on its own (see {@link Gzip#deflate}), shared by every compressed stream that sends it, with what
 * a stream needs for its trailer about the bytes it decodes to: their CRC-32, their length and the operator that
 * appends them to a running CRC-32 ({@link Crc32Combine}). All three are computed once, when the frame is compressed,
 * so a stream keeps its trailer in a few operations per frame however long the frame is, without reading the
 * uncompressed bytes again.
 *
 * <p>Immutable and safe to share between threads.
 */
final class DeflatedFrame implements Frame {
  private final byte[] bytes;
  private final int plainCrc;
  private final int plainLength;
  private final int crcOperator;

  /**
   * Deflates bytes and takes what a trailer needs from them.
   *
   * @param plain the uncompressed bytes, which this frame does not keep
   */
  DeflatedFrame(byte[] plain) {
    this.bytes = Gzip.deflate(plain);
    CRC32 crc = new CRC32();
    crc.update(plain);
    this.plainCrc = (int) crc.getValue();
    this.plainLength = plain.length;
    this.crcOperator = Crc32Combine.operator(plain.length);
  }

  /**
   * Returns the CRC-32 of what a stream had sent followed by this frame's uncompressed bytes.
   *
   * @param crc the CRC-32 of what the stream had sent before this frame
   * @return the CRC-32 with this frame
   */
  int crcAfter(int crc) {
    return Crc32Combine.combine(crc, plainCrc, crcOperator);
  }

  /** How many bytes this frame decodes to. */
  int plainLength() {
    return plainLength;
  }

  @Override
  public int length() {
    return bytes.length;
  }

  @Override
  public ByteBuffer buffer() {
    return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
  }

  @Override
  public void writeTo(OutputStream out) throws IOException {
    out.write(bytes, 0, bytes.length);
  }

  @Override
  public String toString() {
    return "DeflatedFrame{" + bytes.length + " B from " + plainLength + " B}";
  }
}
