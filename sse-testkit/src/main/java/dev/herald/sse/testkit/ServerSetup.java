package dev.herald.sse.testkit;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Sender;
import dev.herald.sse.core.StreamConfig;
import java.util.function.Consumer;

/**
 * What a server under test serves, and how its buffers are sized; see {@link SseHost}.
 *
 * @param broadcaster the broadcaster served at {@code /events}
 * @param onStream given the sender of each stream opened at {@code /stream}, on the transport's thread, so it must
 *     not block
 * @param sendBuffer the accepted sockets' send buffer in bytes, or 0 for the system default
 * @param smallOutputBuffer whether the transport should also keep its own output buffering small, so that a
 *     client that stops reading backs up at once (where the host can say so)
 * @param streamConfig how {@code /events} and {@code /stream} are served (the host passes it to its transport's
 *     {@code serve(...)} and {@code stream(...)}): an authorizer, the {@link dev.herald.sse.core.StreamGroup} a
 *     shutdown ends, gzip
 */
public record ServerSetup(Broadcaster broadcaster, Consumer<? super Sender> onStream, int sendBuffer,
    boolean smallOutputBuffer, StreamConfig streamConfig) {

  /**
   * Makes a setup.
   *
   * @param broadcaster the broadcaster served at {@code /events}
   * @param onStream given the sender of each stream opened at {@code /stream}
   * @param sendBuffer the send buffer, or 0
   * @param smallOutputBuffer whether to keep the transport's output buffering small
   * @param streamConfig how {@code /events} and {@code /stream} are served
   * @throws IllegalArgumentException if {@code sendBuffer} is negative
   */
  public ServerSetup {
    requireNonNull(broadcaster, "broadcaster");
    requireNonNull(onStream, "onStream");
    requireNonNull(streamConfig, "streamConfig");
    if (sendBuffer < 0) {
      throw new IllegalArgumentException("sendBuffer must not be negative: " + sendBuffer);
    }
  }

  /**
   * Makes a setup that serves a broadcaster, with default buffers, and streams at {@code /stream} that stay open
   * and send nothing.
   *
   * @param broadcaster the broadcaster served at {@code /events}
   * @return the setup
   */
  public static ServerSetup of(Broadcaster broadcaster) {
    return new ServerSetup(broadcaster, sender -> {}, 0, false, StreamConfig.defaults());
  }

  /**
   * Returns this setup with another handler for the streams at {@code /stream}.
   *
   * @param onStream given the sender of each stream opened at {@code /stream}
   * @return the new setup
   */
  public ServerSetup withOnStream(Consumer<? super Sender> onStream) {
    return new ServerSetup(broadcaster, onStream, sendBuffer, smallOutputBuffer, streamConfig);
  }

  /**
   * Returns this setup with another configuration for {@code /events} and {@code /stream}.
   *
   * @param streamConfig how they are served
   * @return the new setup
   */
  public ServerSetup withStreamConfig(StreamConfig streamConfig) {
    return new ServerSetup(broadcaster, onStream, sendBuffer, smallOutputBuffer, streamConfig);
  }

  /**
   * Returns this setup with other buffer sizes.
   *
   * @param sendBuffer the accepted sockets' send buffer in bytes, or 0 for the system default
   * @param smallOutputBuffer whether the transport should keep its own output buffering small
   * @return the new setup
   */
  public ServerSetup withBuffers(int sendBuffer, boolean smallOutputBuffer) {
    return new ServerSetup(broadcaster, onStream, sendBuffer, smallOutputBuffer, streamConfig);
  }
}
