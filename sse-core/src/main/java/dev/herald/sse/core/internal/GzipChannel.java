package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.CloseReason;
import dev.herald.sse.Sender;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import org.jspecify.annotations.Nullable;

/**
 * A client's channel as a gzip stream, for a transport that writes what {@link #poll()} gives as it would write any
 * stream: first the gzip header, then each frame deflated once and shared with every other compressed client (see
 * {@link Gzip}), and, when the server ends the stream, the client's own trailer. The transport needs to know nothing
 * of it but the {@code Content-Encoding} header, which the handshake sends.
 *
 * <p>Per client it keeps a running CRC-32 and length, for the trailer. The CRC-32 is not run over the frame's bytes
 * per client: each frame's own CRC-32 is computed once, when it is compressed, and the client's is combined with it
 * ({@link Crc32Combine}: one multiplication modulo the CRC polynomial, whatever the frame's length). A compressor of
 * its own would cost the compression of every frame again and some 256 KiB of zlib state.
 *
 * <p><b>Threading.</b> As the channel it wraps: {@link #poll()} and {@link #hasPending()} on the transport's
 * thread only; the rest from any thread.
 */
public final class GzipChannel implements SseChannel {
  private final SseChannel channel;
  /** The CRC-32 of the uncompressed bytes sent so far; that of nothing is 0. */
  private int crc;
  private long length;
  private boolean headerSent;
  private boolean trailerSent;

  /**
   * Wraps a channel that no transport has started yet.
   *
   * @param channel the client's channel
   */
  public GzipChannel(SseChannel channel) {
    this.channel = requireNonNull(channel, "channel");
  }

  @Override
  public @Nullable Frame poll() {
    if (!headerSent) {
      headerSent = true;
      return Gzip.HEADER;
    }
    Frame frame = channel.poll();
    if (frame != null) {
      return deflated(frame);
    }
    if (!trailerSent && channel.closeReason() == CloseReason.SERVER_CLOSED) {
      // Everything the stream will carry has been handed out: close the gzip stream, so the client sees a clean end.
      trailerSent = true;
      return Gzip.trailer(crc, length);
    }
    return null;
  }

  @Override
  public boolean hasPending() {
    return !headerSent || channel.hasPending()
        || (!trailerSent && channel.closeReason() == CloseReason.SERVER_CLOSED);
  }

  private Frame deflated(Frame frame) {
    Frame plain = frame instanceof FrameQueue.ReplayFrame replay ? replay.frame : frame;
    ByteFrame bytes = plain instanceof ByteFrame byteFrame ? byteFrame : copyOf(plain);
    DeflatedFrame deflated = bytes.deflated();
    crc = deflated.crcAfter(crc);
    length += deflated.plainLength();
    return deflated;
  }

  private static ByteFrame copyOf(Frame frame) {
    java.nio.ByteBuffer buffer = frame.buffer();
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return new ByteFrame(bytes);
  }

  @Override
  public @Nullable String lastEventId() {
    return channel.lastEventId();
  }

  @Override
  public Sender sender() {
    return channel.sender();
  }

  @Override
  public void start(Runnable onReady) {
    channel.start(onReady);
  }

  @Override
  public boolean isClosed() {
    return channel.isClosed();
  }

  @Override
  public @Nullable CloseReason closeReason() {
    return channel.closeReason();
  }

  @Override
  public void close(CloseReason reason) {
    channel.close(reason);
  }

  @Override
  public void ended() {
    channel.ended();
  }

  @Override
  public String toString() {
    return "GzipChannel{" + channel + ", sent=" + length + '}';
  }
}
