package dev.herald.sse.netty;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The HTTP/2 settings of a server made with {@link NettyHttp2}: how many streams a client may open on one
 * connection, the flow-control window it starts with, and how often an idle connection is pinged.
 *
 * <table>
 *   <caption>Settings and their defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>why</th></tr>
 *   <tr><td>{@link Builder#maxConcurrentStreams maxConcurrentStreams}</td><td>1,000</td><td>an event stream lives
 *       as long as its page: a browser with many tabs open on one origin shares one connection, and HTTP/2's
 *       usual 100 would refuse the 101st tab; Herald's own limit on clients
 *       ({@code BroadcasterConfig.Builder.maxClients}) still applies</td></tr>
 *   <tr><td>{@link Builder#initialWindowSize initialWindowSize}</td><td>65,535 bytes (HTTP/2's own)</td><td>the
 *       window a client may send into; an event stream's requests have no body, so there is nothing to gain by a
 *       larger one. What paces the events is the <em>client's</em> window, which each client sets</td></tr>
 *   <tr><td>{@link Builder#pingInterval pingInterval}</td><td>30 s</td><td>a connection on which nothing was written
 *       for that long gets a {@code PING}, so that a peer that vanished is found even where no stream has a
 *       heartbeat</td></tr>
 * </table>
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class Http2Options {
  private static final Http2Options DEFAULTS = builder().build();

  private final int maxConcurrentStreams;
  private final int initialWindowSize;
  private final Duration pingInterval;

  private Http2Options(Builder builder) {
    this.maxConcurrentStreams = builder.maxConcurrentStreams;
    this.initialWindowSize = builder.initialWindowSize;
    this.pingInterval = builder.pingInterval;
  }

  /**
   * Returns the default settings, as the class description lists them.
   *
   * @return the defaults
   */
  public static Http2Options defaults() {
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
   * Returns how many streams a client may have open at once on one connection.
   *
   * @return {@code SETTINGS_MAX_CONCURRENT_STREAMS}
   */
  public int maxConcurrentStreams() {
    return maxConcurrentStreams;
  }

  /**
   * Returns the flow-control window, in bytes, that each stream a client opens starts with for what it sends.
   *
   * @return {@code SETTINGS_INITIAL_WINDOW_SIZE}
   */
  public int initialWindowSize() {
    return initialWindowSize;
  }

  /**
   * Returns how long a connection may go without a write before it is pinged.
   *
   * @return the interval, or {@link Duration#ZERO} for no pings
   */
  public Duration pingInterval() {
    return pingInterval;
  }

  @Override
  public String toString() {
    return "Http2Options{maxConcurrentStreams=" + maxConcurrentStreams + ", initialWindowSize=" + initialWindowSize
        + ", pingInterval=" + pingInterval + '}';
  }

  /**
   * Builds {@link Http2Options}. Not thread-safe; use it from one thread.
   */
  public static final class Builder {
    private int maxConcurrentStreams = 1_000;
    private int initialWindowSize = 65_535;
    private Duration pingInterval = Duration.ofSeconds(30);

    private Builder() {}

    /**
     * Sets how many streams a client may have open at once on one connection; one more is refused by the HTTP/2
     * layer ({@code REFUSED_STREAM}) before Herald sees it.
     *
     * @param streams at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxConcurrentStreams(int streams) {
      if (streams < 1) {
        throw new IllegalArgumentException("maxConcurrentStreams must be at least 1: " + streams);
      }
      this.maxConcurrentStreams = streams;
      return this;
    }

    /**
     * Sets the flow-control window each stream starts with for what the client sends.
     *
     * @param bytes from 65,535 (HTTP/2's default) to 2<sup>31</sup> - 1
     * @return this builder
     * @throws IllegalArgumentException if out of that range
     */
    public Builder initialWindowSize(int bytes) {
      if (bytes < 65_535) {
        throw new IllegalArgumentException("initialWindowSize must be at least 65535: " + bytes);
      }
      this.initialWindowSize = bytes;
      return this;
    }

    /**
     * Sets how long a connection may go without a write before it is pinged.
     *
     * @param interval zero for no pings, or at least a second
     * @return this builder
     * @throws IllegalArgumentException if negative or between zero and a second
     */
    public Builder pingInterval(Duration interval) {
      requireNonNull(interval, "interval");
      if (interval.isNegative() || (!interval.isZero() && interval.compareTo(Duration.ofSeconds(1)) < 0)) {
        throw new IllegalArgumentException("pingInterval must be zero (off) or at least 1 s: " + interval);
      }
      this.pingInterval = interval;
      return this;
    }

    /**
     * Builds the settings.
     *
     * @return new immutable settings
     */
    public Http2Options build() {
      return new Http2Options(this);
    }
  }
}
