package dev.herald.sse.core;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Comment;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How a transport serves event streams: the settings that mean the same on every transport, configured once.
 *
 * <pre>{@code
 * StreamConfig config = StreamConfig.builder()
 *     .closeGrace(Duration.ofSeconds(2))
 *     .heartbeat(Duration.ofSeconds(10))
 *     .build();
 * ServletSse.serve(request, response, broadcaster, config);    // or NettySse.serve, new SseHandler(...)
 * }</pre>
 *
 * <p>A broadcaster's streams take their queue limits, heartbeat and greeting from the broadcaster's own
 * {@link BroadcasterConfig}; {@link #heartbeat()}, {@link #heartbeatComment()} and {@link #channel()} apply to
 * streams that serve one client through its {@link dev.herald.sse.Sender} ({@code stream(...)} on each transport).
 *
 * <p>Instances are immutable and safe to share between threads (the {@link StreamGroup} one may name is itself
 * thread-safe).
 */
public final class StreamConfig {
  private static final StreamConfig DEFAULTS = builder().build();

  private final Duration closeGrace;
  private final Duration retryAfter;
  private final Duration heartbeat;
  private final String heartbeatComment;
  private final ChannelConfig channel;
  private final @Nullable StreamGroup group;
  private final boolean gzip;
  private final Authorizer authorizer;

  private StreamConfig(Builder builder) {
    this.closeGrace = builder.closeGrace;
    this.retryAfter = builder.retryAfter;
    this.heartbeat = builder.heartbeat;
    this.heartbeatComment = builder.heartbeatComment;
    this.channel = builder.channel;
    this.group = builder.group;
    this.gzip = builder.gzip;
    this.authorizer = builder.authorizer;
  }

  /**
   * Returns the default settings, each as its builder method describes.
   *
   * @return the default configuration
   */
  public static StreamConfig defaults() {
    return DEFAULTS;
  }

  /**
   * Returns a builder that starts from the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the close grace; see {@link Builder#closeGrace(Duration)}.
   *
   * @return the close grace
   */
  public Duration closeGrace() {
    return closeGrace;
  }

  /**
   * Returns the {@code Retry-After} of a refusal for the client limit; see {@link Builder#retryAfter(Duration)}.
   *
   * @return whole seconds
   */
  public Duration retryAfter() {
    return retryAfter;
  }

  /**
   * Returns the heartbeat interval of single-client streams; see {@link Builder#heartbeat(Duration)}.
   *
   * @return the interval, or zero for none
   */
  public Duration heartbeat() {
    return heartbeat;
  }

  /**
   * Returns the heartbeat comment of single-client streams; see {@link Builder#heartbeatComment(String)}.
   *
   * @return the comment's text
   */
  public String heartbeatComment() {
    return heartbeatComment;
  }

  /**
   * Returns the queue limits of single-client streams; see {@link Builder#channel(ChannelConfig)}.
   *
   * @return the limits
   */
  public ChannelConfig channel() {
    return channel;
  }

  /**
   * Returns the group that single-client streams join; see {@link Builder#group(StreamGroup)}.
   *
   * @return the group, or {@code null} if the streams join none
   */
  public @Nullable StreamGroup group() {
    return group;
  }

  /**
   * Tells whether streams are gzip-compressed for clients that accept it; see {@link Builder#gzip(boolean)}.
   *
   * @return {@code true} if they are
   */
  public boolean gzip() {
    return gzip;
  }

  /**
   * Returns what authorizes each stream; see {@link Builder#authorizer(Authorizer)}.
   *
   * @return the authorizer
   */
  public Authorizer authorizer() {
    return authorizer;
  }

  @Override
  public String toString() {
    return "StreamConfig{closeGrace=" + closeGrace + ", retryAfter=" + retryAfter + ", heartbeat=" + heartbeat
        + ", heartbeatComment=" + heartbeatComment + ", channel=" + channel + ", group=" + group + ", gzip=" + gzip
        + ", authorizer=" + authorizer + '}';
  }

  /**
   * Builds a {@link StreamConfig}.
   *
   * <p>A builder is not thread-safe; the configuration it builds is.
   */
  public static final class Builder {
    private Duration closeGrace = Duration.ofSeconds(5);
    private Duration retryAfter = Duration.ofSeconds(5);
    private Duration heartbeat = Duration.ofSeconds(15);
    private String heartbeatComment = "ping";
    private @Nullable StreamGroup group;
    private boolean gzip;
    private ChannelConfig channel = ChannelConfig.defaults();
    private Authorizer authorizer = Authorizer.anyone();

    private Builder() {}

    /**
     * Sets how long a stream that the server ended (with {@link dev.herald.sse.Sender#close()} or
     * {@link dev.herald.sse.Broadcaster#close()}) may take to write its queued events and the end of the response.
     * A client that does not read them within the grace has its connection cut, so a client that stopped reading
     * cannot hold a finished stream's connection forever. Default 5 s.
     *
     * @param closeGrace zero or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder closeGrace(Duration closeGrace) {
      requireNonNull(closeGrace, "closeGrace");
      if (closeGrace.isNegative()) {
        throw new IllegalArgumentException("closeGrace must not be negative: " + closeGrace);
      }
      this.closeGrace = closeGrace;
      return this;
    }

    /**
     * Sets the {@code Retry-After} sent with the {@code 503} that refuses a client over a broadcaster's
     * {@linkplain BroadcasterConfig.Builder#maxClients(int) client limit}. Default 5 s.
     *
     * @param retryAfter zero or more whole seconds
     * @return this builder
     * @throws IllegalArgumentException if negative or not a whole number of seconds
     */
    public Builder retryAfter(Duration retryAfter) {
      requireNonNull(retryAfter, "retryAfter");
      if (retryAfter.isNegative() || retryAfter.getNano() != 0) {
        throw new IllegalArgumentException("retryAfter must be zero or more whole seconds: " + retryAfter);
      }
      this.retryAfter = retryAfter;
      return this;
    }

    /**
     * Sets how long a single-client stream may stay silent before it gets a heartbeat comment, which keeps proxies
     * from closing an idle stream and finds a client that vanished by the failing write. Streams that were written
     * to within the interval are skipped. Default 15 s, as for broadcasters; zero turns it off.
     *
     * @param heartbeat zero, or at least one millisecond
     * @return this builder
     * @throws IllegalArgumentException if negative or between zero and one millisecond
     */
    public Builder heartbeat(Duration heartbeat) {
      this.heartbeat = Channels.checkHeartbeat(heartbeat);
      return this;
    }

    /**
     * Sets the text of a single-client stream's heartbeat comment ({@code : ping} on the wire by default).
     *
     * @param heartbeatComment the comment's text; line breaks make one comment line each
     * @return this builder
     */
    public Builder heartbeatComment(String heartbeatComment) {
      this.heartbeatComment = Comment.of(requireNonNull(heartbeatComment, "heartbeatComment")).text();
      return this;
    }

    /**
     * Sets the queue limits of single-client streams. Default {@link ChannelConfig#defaults()}; the overflow
     * policy does not apply to them, since only broadcasts use it (a {@link dev.herald.sse.Sender#send} waits for
     * room instead).
     *
     * @param channel the limits
     * @return this builder
     */
    public Builder channel(ChannelConfig channel) {
      this.channel = requireNonNull(channel, "channel");
      return this;
    }

    /**
     * Sets the group that single-client streams ({@code stream(...)} on each transport) join as they open, so
     * that {@link StreamGroup#shutdown()} ends them with one call when the application stops. Once the group is
     * shut down, new single-client streams are refused with {@code 503}. Default none: such streams end only when
     * the application closes their senders or the clients leave.
     *
     * @param group the group, or {@code null} for none
     * @return this builder
     */
    public Builder group(@Nullable StreamGroup group) {
      this.group = group;
      return this;
    }

    /**
     * Compresses streams with gzip for clients whose {@code Accept-Encoding} allows it (browsers' does), with every
     * event compressed once for all the clients that receive it rather than once per client: the CPU a broadcast
     * costs stays flat in the number of clients, and no client holds a compressor of its own (a CRC-32 and a length
     * are all it keeps, and it combines each event's CRC-32, computed once with the compression, into its own without
     * reading the event's bytes). Each event is decodable the moment it arrives. The ratio is what one event
     * compresses to alone, since it cannot refer to the events before it: 1.4x on a trace of 300-byte JSON events,
     * where a compressor per connection reaches 4x at a CPU cost per client ({@code sse-bench/results}). Default off,
     * since streams of small events gain little; large events with repeated text inside gain the most.
     *
     * <p>Streams then answer with {@code Content-Encoding: gzip} and {@code Vary: Accept-Encoding}; those whose client
     * does not accept gzip get {@code Vary} only. Put no compressing filter or handler of the server's own on the same
     * responses.
     *
     * @param gzip whether to compress
     * @return this builder
     */
    public Builder gzip(boolean gzip) {
      this.gzip = gzip;
      return this;
    }

    /**
     * Sets what decides, before any stream byte, whether a request gets a stream, who its client is, and which
     * topics it may have (see {@link Authorizer} and {@link Handshake}). Default {@link Authorizer#anyone()}: every
     * request, anonymous, any topic. A single-client stream is refused as a broadcaster's would be, and ignores the
     * grant's identity and topics.
     *
     * @param authorizer the decision
     * @return this builder
     */
    public Builder authorizer(Authorizer authorizer) {
      this.authorizer = requireNonNull(authorizer, "authorizer");
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return a new immutable configuration
     */
    public StreamConfig build() {
      return new StreamConfig(this);
    }
  }
}
