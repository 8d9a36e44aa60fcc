package dev.herald.sse.core.internal;

import dev.herald.sse.spi.Frame;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A frame over a byte array that nobody else writes to; a broadcast's frame may also carry when it was broadcast,
 * for the delivery delay ({@link dev.herald.sse.core.DeliveryObserver}).
 */
public final class ByteFrame implements Frame {
  private final byte[] bytes;
  private final boolean stamped;
  private final long broadcastNanos;

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

  @Override
  public String toString() {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
