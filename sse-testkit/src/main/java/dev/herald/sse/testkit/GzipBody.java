package dev.herald.sse.testkit;

import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes a gzip response body incrementally, as bytes arrive, the way a browser does: what a server flushed is
 * decoded at once. Checks the trailer at the end: a stream that ended cleanly has the CRC-32 and length of what it
 * carried.
 *
 * <p><b>Threading.</b> Not thread-safe: one reader's.
 */
final class GzipBody {
  private static final int HEADER = 10;

  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private final byte[] trailer = new byte[8];
  private int headerLeft = HEADER;
  private int trailerRead;
  private long length;
  private boolean failed;

  /**
   * Takes compressed bytes and gives what they decode to.
   *
   * @param bytes the body's bytes
   * @param offset where they start
   * @param count how many
   * @param out receives the decoded bytes
   */
  void feed(byte[] bytes, int offset, int count, HttpResponseDecoder.BodySink out) {
    int skip = Math.min(headerLeft, count);
    headerLeft -= skip;
    int from = offset + skip;
    int left = count - skip;
    if (left == 0 || failed) {
      return;
    }
    if (inflater.finished()) {
      readTrailer(bytes, from, left);
      return;
    }
    inflater.setInput(bytes, from, left);
    byte[] buffer = new byte[Math.max(256, left * 8)];
    try {
      int n;
      while ((n = inflater.inflate(buffer)) > 0) {
        crc.update(buffer, 0, n);
        length += n;
        out.body(Arrays.copyOf(buffer, n), 0, n);
      }
    } catch (DataFormatException e) {
      failed = true;
      return;
    }
    if (inflater.finished()) {
      int rest = inflater.getRemaining();
      readTrailer(bytes, from + left - rest, rest);
    }
  }

  private void readTrailer(byte[] bytes, int from, int count) {
    int n = Math.min(count, trailer.length - trailerRead);
    System.arraycopy(bytes, from, trailer, trailerRead, n);
    trailerRead += n;
  }

  /**
   * Tells whether the stream ended with a final block and a trailer that matches what was decoded.
   *
   * @return {@code true} for a whole, valid gzip stream
   */
  boolean endedCleanly() {
    if (failed || !inflater.finished() || trailerRead < trailer.length) {
      return false;
    }
    long crcSent = littleEndian(0);
    long lengthSent = littleEndian(4);
    return crcSent == crc.getValue() && lengthSent == (length & 0xffffffffL);
  }

  private long littleEndian(int at) {
    long value = 0;
    for (int i = 3; i >= 0; i--) {
      value = (value << 8) | (trailer[at + i] & 0xff);
    }
    return value;
  }
}
