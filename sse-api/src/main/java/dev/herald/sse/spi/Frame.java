package dev.herald.sse.spi;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * One or more encoded events: the exact UTF-8 bytes a transport writes to the socket.
 *
 * <p>A broadcast encodes its event once and every client's queue holds the same frame, so a transport must
 * write a frame without changing it: {@link #buffer()} gives a read-only view to wrap, {@link #writeTo} writes
 * the bytes to a stream.
 *
 * <p>Frames are immutable and safe to share between threads.
 */
public interface Frame {

  /**
   * Returns the number of bytes in this frame.
   *
   * @return the encoded length in bytes
   */
  int length();

  /**
   * Returns a new read-only view of the bytes, from position zero to {@link #length()}, without copying them.
   *
   * @return a read-only buffer the caller may move freely
   */
  ByteBuffer buffer();

  /**
   * Writes the bytes to a stream.
   *
   * @param out the stream to write to
   * @throws IOException if the stream fails
   */
  void writeTo(OutputStream out) throws IOException;
}
