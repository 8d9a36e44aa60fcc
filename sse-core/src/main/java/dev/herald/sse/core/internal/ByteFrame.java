package dev.herald.sse.core.internal;

import dev.herald.sse.spi.Frame;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * A frame over a byte array that nobody else writes to; a broadcast's frame may also carry when it was broadcast,
 * for the delivery delay ({@link dev.herald.sse.core.DeliveryObserver}).
 */
public final class ByteFrame implements Frame {
  private final byte[] bytes;
  private final boolean stamped;
  private final long broadcastNanos;
  /** This frame deflated on its own, made by the first compressed stream that sends it and shared by the rest. */
  private volatile @Nullable DeflatedFrame deflated;

  /**
   * Wraps an array without copying it; the caller hands over the array and must not change it afterwards.
   *
   * @param bytes the encoded bytes, owned by the frame from now on
   */
  public ByteFrame(byte[] bytes) {
    this.bytes = bytes;
    this.stamped = false;
    this.broadcastNanos = 0;
  }

  /**
   * Wraps an array as {@link #ByteFrame(byte[])} does, for a broadcast made at a given time.
   *
   * @param bytes the encoded bytes, owned by the frame from now on
   * @param broadcastNanos when it was broadcast, in {@link System#nanoTime()}'s time
   */
  public ByteFrame(byte[] bytes, long broadcastNanos) {
    this.bytes = bytes;
    this.stamped = true;
    this.broadcastNanos = broadcastNanos;
  }

  /** Whether this frame carries the time of its broadcast. */
  boolean stamped() {
    return stamped;
  }

  /** When this frame was broadcast, in {@link System#nanoTime()}'s time; meaningful only if {@link #stamped()}. */
  long broadcastNanos() {
    return broadcastNanos;
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
   * clients it reaches. The CRC-32 of the bytes is computed then too, once, for the streams' trailers. Two streams
   * that ask at the same moment may both compress it; one result is kept.
   *
   * @return the raw deflate blocks, with the CRC-32 and length of this frame
   */
  DeflatedFrame deflated() {
    DeflatedFrame done = deflated;
    if (done == null) {
      done = new DeflatedFrame(bytes);
      deflated = done;
    }
    return done;
  }

  @Override
  public String toString() {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
