package dev.herald.sse.netty;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How the Netty transport answers and ends streams: the close grace and the {@code Retry-After} of a refusal.
 *
 * <table>
 *   <caption>Settings and their defaults</caption>
 *   <tr><th>setting</th><th>default</th></tr>
 *   <tr><td>{@link Builder#closeGrace closeGrace}</td><td>5 s</td></tr>
 *   <tr><td>{@link Builder#retryAfter retryAfter}</td><td>5 s</td></tr>
 * </table>
 *
 * <pre>{@code
 * NettySseConfig config = NettySseConfig.builder()
 *     .closeGrace(Duration.ofSeconds(2))
 *     .build();
 * p.addLast(new SseHandler("/events", broadcaster, config));
 * }</pre>
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class NettySseConfig {
  private static final NettySseConfig DEFAULTS = builder().build();

  private final Duration closeGrace;
  private final Duration retryAfter;

  private NettySseConfig(Builder builder) {
    this.closeGrace = builder.closeGrace;
    this.retryAfter = builder.retryAfter;
  }

  /**
   * Returns the defaults listed in the type's description.
   *
   * @return the default configuration
   */
  public static NettySseConfig defaults() {
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
   * Returns how long a stream that the server ended may take to write what was queued before the connection is
   * closed regardless.
   *
   * @return the grace, positive
   */
  public Duration closeGrace() {
    return closeGrace;
  }

  /**
   * Returns the {@code Retry-After} sent with a {@code 503} when a broadcaster has its maximum of clients.
   *
   * @return the delay, whole seconds
   */
  public Duration retryAfter() {
    return retryAfter;
  }

  @Override
  public String toString() {
    return "NettySseConfig{closeGrace=" + closeGrace + ", retryAfter=" + retryAfter + '}';
  }

  /**
   * Builds a {@link NettySseConfig}. Not thread-safe; use it from one thread.
   */
  public static final class Builder {
    private Duration closeGrace = Duration.ofSeconds(5);
    private Duration retryAfter = Duration.ofSeconds(5);

    private Builder() {}

    /**
     * Sets how long a stream that the server ended (with {@link dev.herald.sse.Sender#close()} or
     * {@link dev.herald.sse.Broadcaster#close()}) may take to write its queued events and the end of the response.
     * A client that does not read them within the grace has its connection closed, so a client that stopped
     * reading cannot hold a finished stream's connection forever. Default 5 s.
     *
     * @param closeGrace positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder closeGrace(Duration closeGrace) {
      requireNonNull(closeGrace, "closeGrace");
      if (closeGrace.isNegative() || closeGrace.isZero()) {
        throw new IllegalArgumentException("closeGrace must be positive: " + closeGrace);
      }
      this.closeGrace = closeGrace;
      return this;
    }

    /**
     * Sets the {@code Retry-After} sent with the {@code 503} that refuses a client over a broadcaster's
     * {@linkplain dev.herald.sse.core.BroadcasterConfig.Builder#maxClients client limit}. Default 5 s.
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
     * Builds the configuration.
     *
     * @return a new immutable configuration
     */
    public NettySseConfig build() {
      return new NettySseConfig(this);
    }
  }
}
