package dev.herald.sse.core;

import static java.util.Objects.requireNonNull;

/**
 * The limits of one client's queue, what happens when it is full, and how far a paced producer runs ahead of it.
 *
 * <p>Every client gets its own queue, bounded both in events and in bytes, so a client that stops reading holds
 * at most that much memory. The defaults (4,096 events, 1 MiB, {@link OverflowPolicy#DISCONNECT}) suit a browser
 * audience; raise them for bursty producers with clients on slow links.
 *
 * <p><b>Two depths.</b> {@link Builder#maxQueuedEvents(int) maxQueuedEvents} (with {@code maxQueuedBytes}) is how
 * far a client may fall behind before its overflow policy applies: the room a burst from a plain
 * {@code broadcast} has, and what protects a client with a hiccup from being cut. {@link
 * Builder#pacingWatermark(int) pacingWatermark} (default 64 events) is how far a paced producer
 * ({@code Broadcaster.broadcastPaced}, {@code Sender.send}) runs ahead of a client: it waits while the client
 * holds that many events, as a Netty producer waits for a channel to be writable again, so at saturation each
 * client carries a short queue and sees events soon after they are sent, while a burst still has the whole
 * queue. A client that holds a paced broadcast for longer than the broadcaster's slow-client grace lets the
 * producer go on without it: its event stays queued, it paces no one until it is back under the watermark, and
 * its overflow policy applies only once its queue is full. So one stalled client costs a paced producer one grace,
 * and a client is cut at {@code maxQueuedEvents}, never at the watermark.
 *
 * <pre>{@code
 * ChannelConfig limits = ChannelConfig.builder()
 *     .maxQueuedEvents(1024)
 *     .maxQueuedBytes(4 << 20)
 *     .overflowPolicy(OverflowPolicy.DROP_OLDEST)
 *     .build();
 * }</pre>
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class ChannelConfig {
  /** The largest number of events a queue can be configured to hold. */
  public static final int MAX_QUEUED_EVENTS_LIMIT = (1 << 23) - 1;
  /** The largest number of bytes a queue can be configured to hold. */
  public static final long MAX_QUEUED_BYTES_LIMIT = (1L << 40) - 1;

  private static final ChannelConfig DEFAULTS = builder().build();

  private final int maxQueuedEvents;
  private final long maxQueuedBytes;
  private final int maxEventBytes;
  private final OverflowPolicy overflowPolicy;
  private final int pacingWatermark;

  private ChannelConfig(Builder builder) {
    this.maxQueuedEvents = builder.maxQueuedEvents;
    this.maxQueuedBytes = builder.maxQueuedBytes;
    this.maxEventBytes =
        builder.maxEventBytes > 0 ? builder.maxEventBytes : (int) Math.min(Integer.MAX_VALUE, maxQueuedBytes);
    this.overflowPolicy = builder.overflowPolicy;
    if (maxEventBytes > maxQueuedBytes) {
      throw new IllegalArgumentException(
          "maxEventBytes (" + maxEventBytes + ") must not exceed maxQueuedBytes (" + maxQueuedBytes + ")");
    }
    if (builder.pacingWatermark > maxQueuedEvents) {
      throw new IllegalArgumentException("pacingWatermark (" + builder.pacingWatermark
          + ") must not exceed maxQueuedEvents (" + maxQueuedEvents + ")");
    }
    this.pacingWatermark = builder.pacingWatermark > 0
        ? builder.pacingWatermark
        : Math.min(Builder.DEFAULT_PACING_WATERMARK, maxQueuedEvents);
  }

  /**
   * Returns the configuration a new builder starts from; each {@link Builder} method names its default.
   *
   * @return the default configuration
   */
  public static ChannelConfig defaults() {
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
   * Returns how many events a client's queue holds at most; see {@link Builder#maxQueuedEvents(int)}.
   *
   * @return the event bound of each queue
   */
  public int maxQueuedEvents() {
    return maxQueuedEvents;
  }

  /**
   * Returns how many bytes a client's queue holds at most; see {@link Builder#maxQueuedBytes(long)}.
   *
   * @return the byte bound of each queue
   */
  public long maxQueuedBytes() {
    return maxQueuedBytes;
  }

  /**
   * Returns the largest encoded event accepted; see {@link Builder#maxEventBytes(int)}.
   *
   * @return the largest event size in bytes
   */
  public int maxEventBytes() {
    return maxEventBytes;
  }

  /**
   * Returns what a broadcast does with a client whose queue is full; see
   * {@link Builder#overflowPolicy(OverflowPolicy)}.
   *
   * @return the overflow policy
   */
  public OverflowPolicy overflowPolicy() {
    return overflowPolicy;
  }

  /**
   * Returns how many queued events make a paced producer wait; see {@link Builder#pacingWatermark(int)}.
   *
   * @return the pacing watermark, from 1 to {@link #maxQueuedEvents()}
   */
  public int pacingWatermark() {
    return pacingWatermark;
  }

  @Override
  public String toString() {
    return "ChannelConfig{maxQueuedEvents=" + maxQueuedEvents + ", maxQueuedBytes=" + maxQueuedBytes
        + ", maxEventBytes=" + maxEventBytes + ", overflowPolicy=" + overflowPolicy
        + ", pacingWatermark=" + pacingWatermark + '}';
  }

  /**
   * Builds a {@link ChannelConfig}. Not thread-safe; use it from one thread.
   */
  public static final class Builder {
    /** The watermark when none is set, lowered to {@code maxQueuedEvents} when that is smaller. */
    static final int DEFAULT_PACING_WATERMARK = 64;

    private int maxQueuedEvents = 4096;
    private long maxQueuedBytes = 1 << 20;
    private int maxEventBytes;
    private OverflowPolicy overflowPolicy = OverflowPolicy.DISCONNECT;
    private int pacingWatermark;

    private Builder() {}

    /**
     * Sets how many events a client's queue holds at most. Default 4,096.
     *
     * <p>The byte bound ({@link #maxQueuedBytes}) is what bounds a client's memory; this one only caps the
     * per-event bookkeeping (a few dozen bytes each), and the default is high enough that a client which falls a
     * second behind a producer of 1,000 small events per second is not cut off for it.
     *
     * @param maxQueuedEvents from 1 to {@link #MAX_QUEUED_EVENTS_LIMIT}
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxQueuedEvents(int maxQueuedEvents) {
      if (maxQueuedEvents < 1 || maxQueuedEvents > MAX_QUEUED_EVENTS_LIMIT) {
        throw new IllegalArgumentException(
            "maxQueuedEvents must be from 1 to " + MAX_QUEUED_EVENTS_LIMIT + ": " + maxQueuedEvents);
      }
      this.maxQueuedEvents = maxQueuedEvents;
      return this;
    }

    /**
     * Sets how many bytes a client's queue holds at most. Default 1 MiB.
     *
     * @param maxQueuedBytes from 1 to {@link #MAX_QUEUED_BYTES_LIMIT}
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxQueuedBytes(long maxQueuedBytes) {
      if (maxQueuedBytes < 1 || maxQueuedBytes > MAX_QUEUED_BYTES_LIMIT) {
        throw new IllegalArgumentException(
            "maxQueuedBytes must be from 1 to " + MAX_QUEUED_BYTES_LIMIT + ": " + maxQueuedBytes);
      }
      this.maxQueuedBytes = maxQueuedBytes;
      return this;
    }

    /**
     * Sets the largest encoded event accepted: sending or broadcasting a larger one is refused with an
     * {@link IllegalArgumentException}. Default: {@code maxQueuedBytes}, or {@link Integer#MAX_VALUE} if that is
     * larger.
     *
     * @param maxEventBytes at least 1 and at most {@code maxQueuedBytes}, which {@link #build()} checks
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxEventBytes(int maxEventBytes) {
      if (maxEventBytes < 1) {
        throw new IllegalArgumentException("maxEventBytes must be at least 1: " + maxEventBytes);
      }
      this.maxEventBytes = maxEventBytes;
      return this;
    }

    /**
     * Sets what a broadcast does with a client whose queue is full. Default {@link OverflowPolicy#DISCONNECT}.
     *
     * @param overflowPolicy the policy
     * @return this builder
     */
    public Builder overflowPolicy(OverflowPolicy overflowPolicy) {
      this.overflowPolicy = requireNonNull(overflowPolicy, "overflowPolicy");
      return this;
    }

    /**
     * Sets how many queued events make a paced producer wait: how far {@code Sender.send} and
     * {@code broadcastPaced} may run ahead of a client, as against how far a client may fall behind before its
     * {@linkplain #overflowPolicy(OverflowPolicy) overflow policy} applies ({@link #maxQueuedEvents(int)}).
     * Default: 64, or {@code maxQueuedEvents} if that is smaller; chosen from {@code sse-bench}'s fan-out runs
     * against a plain Netty floor, whose producer waits for a window of 64 events and for socket writability.
     *
     * <p>A paced send waits while the client's queue holds this many events or more (or while its bytes are at
     * {@link #maxQueuedBytes(long)}): its event is queued at once if the queue has room, so a later broadcast never
     * overtakes it, and its stage completes once the transport has taken the queue down to the watermark. A
     * producer that awaits it runs at its slowest client's pace with about this many events queued for that client,
     * while a burst from a plain {@code broadcast} still has the whole queue to absorb. On a clustered broadcaster
     * it is also how many paced events a producer may have in flight ahead of the slowest live node.
     *
     * @param events from 1 to {@code maxQueuedEvents}, which {@link #build()} checks
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder pacingWatermark(int events) {
      if (events < 1) {
        throw new IllegalArgumentException("pacingWatermark must be at least 1: " + events);
      }
      this.pacingWatermark = events;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return a new immutable configuration
     * @throws IllegalArgumentException if {@code maxEventBytes} exceeds {@code maxQueuedBytes}, or a
     *     {@code pacingWatermark} set exceeds {@code maxQueuedEvents}
     */
    public ChannelConfig build() {
      return new ChannelConfig(this);
    }
  }
}
