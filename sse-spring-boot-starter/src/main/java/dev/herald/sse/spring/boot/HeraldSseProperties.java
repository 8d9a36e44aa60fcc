package dev.herald.sse.spring.boot;

import dev.herald.sse.core.OverflowPolicy;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code herald.sse.*} properties: how the auto-configured broadcaster behaves, where it is served, and how long
 * the application's stop waits for its streams to end. Each setting is documented once, on its setter; a setting
 * left unset keeps Herald's default ({@code BroadcasterConfig}), except {@link #setAssignIds ids}, which are on.
 *
 * <pre>
 * herald.sse.greeting=connected
 * herald.sse.heartbeat=10s
 * herald.sse.endpoint.path=/events
 * </pre>
 *
 * <p><b>Threading.</b> Bound by Spring once, at startup, then only read.
 */
@ConfigurationProperties("herald.sse")
public class HeraldSseProperties {
  private String name = "default";
  private @Nullable Duration heartbeat;
  private @Nullable String greeting;
  private boolean assignIds = true;
  private @Nullable Integer history;
  private @Nullable Duration historyMaxAge;
  private @Nullable Integer maxClients;
  private @Nullable Duration slowClientGrace;
  private Duration shutdownTimeout = Duration.ofSeconds(10);
  private final Queue queue = new Queue();
  private final Endpoint endpoint = new Endpoint();
  private final Redis redis = new Redis();

  /** Makes the properties with their defaults; Spring binds them. */
  public HeraldSseProperties() {}

  /**
   * Returns the broadcaster's name.
   *
   * @return the name
   */
  public String getName() {
    return name;
  }

  /**
   * Names the broadcaster: the {@code broadcaster} tag of its metrics. Default {@code default}.
   *
   * @param name 1 to 64 characters, no control characters
   */
  public void setName(String name) {
    this.name = name;
  }

  /**
   * Returns the heartbeat interval.
   *
   * @return the interval, or {@code null} for Herald's default
   */
  public @Nullable Duration getHeartbeat() {
    return heartbeat;
  }

  /**
   * Sets how often a client that heard nothing gets a {@code : ping} comment, which keeps proxies from closing the
   * connection and finds clients that are gone. Default 15 s; {@code 0} turns it off.
   *
   * @param heartbeat the interval
   */
  public void setHeartbeat(@Nullable Duration heartbeat) {
    this.heartbeat = heartbeat;
  }

  /**
   * Returns the greeting's data.
   *
   * @return the data, or {@code null} for no greeting
   */
  public @Nullable String getGreeting() {
    return greeting;
  }

  /**
   * Sets the data of an event every new client gets first. Default none.
   *
   * @param greeting the event's data
   */
  public void setGreeting(@Nullable String greeting) {
    this.greeting = greeting;
  }

  /**
   * Tells whether the broadcaster numbers its events.
   *
   * @return {@code true} if it does
   */
  public boolean isAssignIds() {
    return assignIds;
  }

  /**
   * Makes the broadcaster give its events increasing ids and keep a history, so that a client that reconnects
   * with {@code Last-Event-ID} gets what it missed. Default {@code true} (Herald's own default is off: a starter
   * serves browsers, which reconnect).
   *
   * @param assignIds whether to number events
   */
  public void setAssignIds(boolean assignIds) {
    this.assignIds = assignIds;
  }

  /**
   * Returns how many events the replay history keeps.
   *
   * @return the number, or {@code null} for Herald's default
   */
  public @Nullable Integer getHistory() {
    return history;
  }

  /**
   * Sets how many recent events the replay history keeps. Default: as many as a client's queue holds (with ids).
   * Herald refuses a history shorter than the queue while slow clients are disconnected: lower
   * {@code herald.sse.queue.max-events} with it.
   *
   * @param history the number of events
   */
  public void setHistory(@Nullable Integer history) {
    this.history = history;
  }

  /**
   * Returns the history's age limit.
   *
   * @return the age, or {@code null} for none
   */
  public @Nullable Duration getHistoryMaxAge() {
    return historyMaxAge;
  }

  /**
   * Also drops events older than this from the replay history. Default: no age limit.
   *
   * @param historyMaxAge the age
   */
  public void setHistoryMaxAge(@Nullable Duration historyMaxAge) {
    this.historyMaxAge = historyMaxAge;
  }

  /**
   * Returns the client limit.
   *
   * @return the limit, or {@code null} for none
   */
  public @Nullable Integer getMaxClients() {
    return maxClients;
  }

  /**
   * Sets how many clients may be connected at once; one more gets {@code 503} with {@code Retry-After}. Default
   * unlimited.
   *
   * @param maxClients the limit
   */
  public void setMaxClients(@Nullable Integer maxClients) {
    this.maxClients = maxClients;
  }

  /**
   * Returns how long a paced broadcast waits for a full client.
   *
   * @return the grace, or {@code null} for Herald's default
   */
  public @Nullable Duration getSlowClientGrace() {
    return slowClientGrace;
  }

  /**
   * Sets how long a paced broadcast waits for a client at its pacing watermark: after it, a client whose queue is
   * full meets its overflow policy, and one whose queue still has room stops pacing the producer until it has
   * caught up. Default 5 s.
   *
   * @param slowClientGrace the grace
   */
  public void setSlowClientGrace(@Nullable Duration slowClientGrace) {
    this.slowClientGrace = slowClientGrace;
  }

  /**
   * Returns how long the application's stop waits for the streams to end.
   *
   * @return the timeout
   */
  public Duration getShutdownTimeout() {
    return shutdownTimeout;
  }

  /**
   * Sets how long the application's stop waits for every stream to end with its last chunk, before the web
   * server's graceful shutdown starts. Default 10 s; a client that does not read is cut after 5 s anyway.
   *
   * @param shutdownTimeout the timeout
   */
  public void setShutdownTimeout(Duration shutdownTimeout) {
    this.shutdownTimeout = shutdownTimeout;
  }

  /**
   * Returns each client's queue settings ({@code herald.sse.queue.*}).
   *
   * @return the queue settings
   */
  public Queue getQueue() {
    return queue;
  }

  /**
   * Returns the endpoint's settings ({@code herald.sse.endpoint.*}).
   *
   * @return the endpoint settings
   */
  public Endpoint getEndpoint() {
    return endpoint;
  }

  /**
   * Returns the Redis backplane's settings ({@code herald.sse.redis.*}).
   *
   * @return the Redis settings
   */
  public Redis getRedis() {
    return redis;
  }

  /** Each client's queue: {@code herald.sse.queue.*}. Bound once, then only read. */
  public static class Queue {
    private @Nullable Integer maxEvents;
    private @Nullable Long maxBytes;
    private @Nullable Integer maxEventBytes;
    private @Nullable OverflowPolicy overflowPolicy;
    private @Nullable Integer pacingWatermark;

    /** Makes the settings with their defaults; Spring binds them. */
    public Queue() {}

    /**
     * Returns how many events a client's queue holds.
     *
     * @return the number, or {@code null} for Herald's default
     */
    public @Nullable Integer getMaxEvents() {
      return maxEvents;
    }

    /**
     * Sets how many events a client's queue holds; a client further behind meets the overflow policy. Default
     * 4096.
     *
     * @param maxEvents the number of events
     */
    public void setMaxEvents(@Nullable Integer maxEvents) {
      this.maxEvents = maxEvents;
    }

    /**
     * Returns how many bytes a client's queue holds.
     *
     * @return the number, or {@code null} for Herald's default
     */
    public @Nullable Long getMaxBytes() {
      return maxBytes;
    }

    /**
     * Sets how many bytes a client's queue holds. Default 1 MiB.
     *
     * @param maxBytes the number of bytes
     */
    public void setMaxBytes(@Nullable Long maxBytes) {
      this.maxBytes = maxBytes;
    }

    /**
     * Returns the largest event, encoded.
     *
     * @return the size in bytes, or {@code null} for Herald's default
     */
    public @Nullable Integer getMaxEventBytes() {
      return maxEventBytes;
    }

    /**
     * Sets the largest event a broadcast takes, encoded; a larger one is refused. Default: the queue's byte limit.
     *
     * @param maxEventBytes the size in bytes
     */
    public void setMaxEventBytes(@Nullable Integer maxEventBytes) {
      this.maxEventBytes = maxEventBytes;
    }

    /**
     * Returns what happens to a client whose queue is full.
     *
     * @return the policy, or {@code null} for Herald's default
     */
    public @Nullable OverflowPolicy getOverflowPolicy() {
      return overflowPolicy;
    }

    /**
     * Sets what happens to a client whose queue is full: {@code disconnect} (the default: it reconnects and
     * resumes from the history), {@code drop-oldest} or {@code drop-newest}.
     *
     * @param overflowPolicy the policy
     */
    public void setOverflowPolicy(@Nullable OverflowPolicy overflowPolicy) {
      this.overflowPolicy = overflowPolicy;
    }

    /**
     * Returns how many queued events make a paced producer wait.
     *
     * @return the number, or {@code null} for Herald's default
     */
    public @Nullable Integer getPacingWatermark() {
      return pacingWatermark;
    }

    /**
     * Sets how many queued events make a paced producer ({@code broadcastPaced}, a sender's {@code send}) wait for
     * a client, at most {@code max-events}: how far a paced producer runs ahead, where {@code max-events} is how
     * far a client may fall behind before its overflow policy. Default 64
     * ({@code ChannelConfig.Builder.pacingWatermark}), lowered to {@code max-events} when that is smaller.
     *
     * @param pacingWatermark the number of events
     */
    public void setPacingWatermark(@Nullable Integer pacingWatermark) {
      this.pacingWatermark = pacingWatermark;
    }
  }

  /** The endpoint that serves the broadcaster: {@code herald.sse.endpoint.*}. Bound once, then only read. */
  public static class Endpoint {
    private boolean enabled = true;
    private String path = "/events";

    /** Makes the settings with their defaults; Spring binds them. */
    public Endpoint() {}

    /**
     * Tells whether the broadcaster is served.
     *
     * @return {@code true} if it is
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Serves the broadcaster at {@link #setPath path}, through Spring MVC (on Tomcat or Jetty) or Spring WebFlux
     * (on Reactor Netty), whichever the application runs on. Default {@code true}; {@code false} leaves serving it
     * to the application's own routes.
     *
     * @param enabled whether to serve it
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the path the broadcaster is served at.
     *
     * @return the path
     */
    public String getPath() {
      return path;
    }

    /**
     * Sets the path the broadcaster is served at, within the application's servlet path (Spring MVC) or base path
     * (Spring WebFlux). Default {@code /events}.
     *
     * @param path the path, starting with {@code /}
     */
    public void setPath(String path) {
      this.path = path;
    }
  }

  /** The Redis backplane: {@code herald.sse.redis.*}. Bound once, then only read. */
  public static class Redis {
    private @Nullable String uri;

    /** Makes the settings with their defaults; Spring binds them. */
    public Redis() {}

    /**
     * Returns the Redis URI.
     *
     * @return the URI, or {@code null} for no backplane
     */
    public @Nullable String getUri() {
      return uri;
    }

    /**
     * Makes the broadcaster one node of a cluster that shares a Redis stream at this URI, such as
     * {@code redis://localhost:6379}; needs {@code dev.herald:sse-redis} on the class path. Default none: a single
     * node.
     *
     * @param uri the Redis URI
     */
    public void setUri(@Nullable String uri) {
      this.uri = uri;
    }
  }
}
