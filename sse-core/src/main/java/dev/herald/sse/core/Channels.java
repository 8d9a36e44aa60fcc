package dev.herald.sse.core;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.core.internal.Counters;
import dev.herald.sse.core.internal.DefaultChannel;
import dev.herald.sse.spi.Channel;
import org.jspecify.annotations.Nullable;

/**
 * Makes standalone {@link Channel}s: one client's stream that belongs to no broadcaster, for a transport to serve
 * when the application talks to a single client through its {@link dev.herald.sse.Sender}.
 *
 * <pre>{@code
 * Channel channel = Channels.open(ChannelConfig.defaults(), request.getHeader("Last-Event-ID"));
 * // the transport serves channel; the application writes to channel.sender()
 * }</pre>
 */
public final class Channels {
  private Channels() {}

  /**
   * Opens a channel with these limits.
   *
   * @param config the queue's limits; the overflow policy does not apply, since only broadcasts use it
   * @param lastEventId the client's {@code Last-Event-ID}, or {@code null}
   * @return a new open channel, not yet started
   */
  public static Channel open(ChannelConfig config, @Nullable String lastEventId) {
    return new DefaultChannel(requireNonNull(config, "config"), lastEventId, new Counters());
  }
}
