package dev.herald.sse.core.internal;

import dev.herald.sse.spi.Frame;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** A frame over a byte array that nobody else writes to. */
public final class ByteFrame implements Frame {
  private final byte[] bytes;
  /** This frame deflated on its own, made by the first compressed stream that sends it and shared by the rest. */
  private volatile @Nullable ByteFrame deflated;

  /**
   * Wraps an array without copying it; the caller hands over the array and must not change it afterwards.
   *
   * @param bytes the encoded bytes, owned by the frame from now on
   */
  public ByteFrame(byte[] bytes) {
    this.bytes = bytes;
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

  /**
   * Returns this frame deflated on its own (see {@link Gzip#deflate}), compressing it the first time only: every
   * compressed stream that carries the frame shares the same bytes, so a broadcast is compressed once however many
   * clients it reaches. Two streams that ask at the same moment may both compress it; one result is kept.
   *
   * @return the raw deflate blocks
   */
  ByteFrame deflated() {
    ByteFrame done = deflated;
    if (done == null) {
      done = new ByteFrame(Gzip.deflate(bytes));
      deflated = done;
    }
    return done;
  }

  /** The bytes, for this package's readers that do not change them. */
  byte[] bytes() {
    return bytes;
  }

  @Override
  public String toString() {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
