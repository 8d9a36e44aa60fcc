package dev.herald.sse.core;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Comment;
import dev.herald.sse.core.internal.Counters;
import dev.herald.sse.core.internal.DefaultChannel;
import dev.herald.sse.core.internal.Heartbeat;
import dev.herald.sse.spi.SseChannel;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Makes standalone {@link SseChannel}s: one client's stream that belongs to no broadcaster, for a transport to serve
 * when the application talks to a single client through its {@link dev.herald.sse.Sender}.
 *
 * <pre>{@code
 * SseChannel channel = Channels.open(ChannelConfig.defaults(), request.getHeader("Last-Event-ID"));
 * // the transport serves channel; the application writes to channel.sender()
 * }</pre>
 *
 * <p>Like a broadcaster's clients, a standalone channel gets a heartbeat comment ({@code : ping} unless given)
 * whenever it has received nothing for a whole heartbeat interval, so proxies keep an idle stream open and a client
 * that vanished is found by the failing write. The heartbeats run on Herald's one shared timer thread, only while
 * such channels are open.
 */
public final class Channels {
  /** The heartbeat interval of {@link #open(ChannelConfig, String)}: 15 seconds, as for broadcasters. */
  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);
  /** The heartbeat comment of the overloads that take none, as for broadcasters. */
  private static final String DEFAULT_HEARTBEAT_COMMENT = "ping";

  private Channels() {}

  /**
   * Opens a channel with these limits and a heartbeat every {@link #DEFAULT_HEARTBEAT 15 seconds}.
   *
   * @param config the queue's limits; the overflow policy does not apply, since only broadcasts use it
   * @param lastEventId the client's {@code Last-Event-ID}, or {@code null}
   * @return a new open channel, not yet started
   */
  public static SseChannel open(ChannelConfig config, @Nullable String lastEventId) {
    return open(config, DEFAULT_HEARTBEAT, lastEventId);
  }

  /**
   * Opens a channel with these limits and this heartbeat.
   *
   * @param config the queue's limits; the overflow policy does not apply, since only broadcasts use it
   * @param heartbeat how long the stream may stay silent before a {@code : ping} comment, or
   *     {@link Duration#ZERO} for no heartbeat
   * @param lastEventId the client's {@code Last-Event-ID}, or {@code null}
   * @return a new open channel, not yet started
   * @throws IllegalArgumentException if {@code heartbeat} is negative or between zero and one millisecond
   */
  public static SseChannel open(ChannelConfig config, Duration heartbeat, @Nullable String lastEventId) {
    return open(config, heartbeat, DEFAULT_HEARTBEAT_COMMENT, lastEventId);
  }

  /**
   * Opens a channel with these limits and this heartbeat comment every {@code heartbeat}.
   *
   * @param config the queue's limits; the overflow policy does not apply, since only broadcasts use it
   * @param heartbeat how long the stream may stay silent before a heartbeat comment, or {@link Duration#ZERO} for
   *     no heartbeat
   * @param heartbeatComment the heartbeat comment's text, as {@link Comment#of} takes it
   * @param lastEventId the client's {@code Last-Event-ID}, or {@code null}
   * @return a new open channel, not yet started
   * @throws IllegalArgumentException if {@code heartbeat} is negative or between zero and one millisecond
   */
  public static SseChannel open(ChannelConfig config, Duration heartbeat, String heartbeatComment,
      @Nullable String lastEventId) {
    requireNonNull(config, "config");
    checkHeartbeat(heartbeat);
    Comment comment = Comment.of(heartbeatComment);
    DefaultChannel channel = new DefaultChannel(config, lastEventId, new Counters());
    if (!heartbeat.isZero()) {
      Heartbeat.register(channel, heartbeat, comment);
    }
    return channel;
  }

  /**
   * Checks a heartbeat interval, as every setting of one does: zero (off) or at least a millisecond, the timer's
   * resolution.
   */
  static Duration checkHeartbeat(Duration heartbeat) {
    requireNonNull(heartbeat, "heartbeat");
    if (heartbeat.isNegative() || (!heartbeat.isZero() && heartbeat.toNanos() < 1_000_000)) {
      throw new IllegalArgumentException("heartbeat must be zero (off) or at least 1 ms: " + heartbeat);
    }
    return heartbeat;
  }
}
