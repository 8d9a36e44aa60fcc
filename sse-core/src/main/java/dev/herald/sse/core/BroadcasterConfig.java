package dev.herald.sse.core;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Event;
import dev.herald.sse.Sender;
import dev.herald.sse.core.spi.Backplane;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link Broadcasters#create(BroadcasterConfig) broadcaster} behaves: its clients' queue limits, heartbeat,
 * greeting, event ids, replay history and client limit.
 *
 * <table>
 *   <caption>Settings and their defaults</caption>
 *   <tr><th>setting</th><th>default</th></tr>
 *   <tr><td>{@link Builder#name name}</td><td>{@code default}</td></tr>
 *   <tr><td>{@link Builder#channel channel}</td><td>{@link ChannelConfig#defaults()}: 4,096 events, 1 MiB,
 *       disconnect when full</td></tr>
 *   <tr><td>{@link Builder#slowClientGrace slowClientGrace}</td><td>5 s</td></tr>
 *   <tr><td>{@link Builder#heartbeat heartbeat}</td><td>every 15 s, comment {@code ping}</td></tr>
 *   <tr><td>{@link Builder#greeting greeting}</td><td>none</td></tr>
 *   <tr><td>{@link Builder#assignIds assignIds}</td><td>off; when on, the first id comes from the clock
 *       ({@link Builder#firstId firstId})</td></tr>
 *   <tr><td>{@link Builder#history history}</td><td>with {@code assignIds} on one node: as many events as a
 *       client's queue holds (4,096); otherwise off (0 events)</td></tr>
 *   <tr><td>{@link Builder#historyPerTopic historyPerTopic}</td><td>no bound but the total</td></tr>
 *   <tr><td>{@link Builder#maxClients maxClients}</td><td>unlimited</td></tr>
 *   <tr><td>{@link Builder#onReplayMiss onReplayMiss}</td><td>{@link ReplayMissHandler#sendReset()}: tell the
 *       client with an {@code event: reset}</td></tr>
 *   <tr><td>{@link Builder#scheduler scheduler}</td><td>one daemon thread shared by all broadcasters</td></tr>
 *   <tr><td>{@link Builder#backplane backplane}</td><td>none: one node, in memory</td></tr>
 *   <tr><td>{@link Builder#replayRetry replayRetry}</td><td>30 s (with a backplane)</td></tr>
 *   <tr><td>{@link Builder#maxConcurrentReplays maxConcurrentReplays}</td><td>8 (with a backplane)</td></tr>
 *   <tr><td>{@link Builder#onSubscribe onSubscribe}</td><td>none</td></tr>
 *   <tr><td>{@link Builder#onPresence onPresence}</td><td>none</td></tr>
 *   <tr><td>{@link Builder#topicLimits topicLimits}</td><td>{@link TopicLimits#defaults()}: 64 topics per client,
 *       8 of them patterns, names of at most 256 characters</td></tr>
 *   <tr><td>{@link Builder#deliveryObserver deliveryObserver}</td><td>none: delivery delays are not measured</td></tr>
 * </table>
 *
 * <pre>{@code
 * BroadcasterConfig config = BroadcasterConfig.builder()
 *     .heartbeat(Duration.ofSeconds(10))
 *     .greeting(Data.of("connected"))
 *     .assignIds(true)          // and a history as long as a client's queue
 *     .build();
 * }</pre>
 *
 * <p><b>Resuming, and what it takes.</b> A client that reconnects with the id of the last event it saw gets
 * every event after it from the history, or, if the history no longer holds that id, the replay-miss signal
 * ({@code event: reset} by default): never a silent gap. A client is disconnected as slow once its queue is full
 * ({@link ChannelConfig#maxQueuedEvents()} events, 4,096 by default), so at that moment it is that many events
 * behind; a history at least that long still holds them all, and the client resumes where it was cut. So, with the
 * disconnect policy, {@link Builder#build()} refuses a history shorter than the queue, saying so; keep
 * fewer events by lowering the queue too (a client is then cut sooner, and still resumes). Ids survive a restart:
 * a broadcaster takes its first id from the clock ({@link Builder#firstId}), so the ids of a restarted server are
 * all greater than those of the run before, and an id from an earlier run is a replay miss, never mistaken for an
 * event of this run. What the history cannot cover is what is published while a client is away: a client that
 * stays away longer than the history lasts gets the replay-miss signal.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class BroadcasterConfig {
  /** A builder's history before {@link Builder#history(int)} is called: the default applies. */
  private static final int UNSET = -1;
  private static final BroadcasterConfig DEFAULTS = builder().build();

  /** The longest name {@link Builder#name(String)} takes. */
  private static final int MAX_NAME_LENGTH = 64;

  private final String name;
  private final ChannelConfig channel;
  private final Duration slowClientGrace;
  private final Duration heartbeat;
  private final String heartbeatComment;
  private final @Nullable Event greeting;
  private final boolean assignIds;
  private final long firstId;
  private final int history;
  private final int historyPerTopic;
  private final @Nullable Duration historyMaxAge;
  private final int maxClients;
  private final ReplayMissHandler onReplayMiss;
  private final @Nullable ScheduledExecutorService scheduler;
  private final @Nullable Backplane backplane;
  private final Duration replayRetry;
  private final int maxConcurrentReplays;
  private final TopicLimits topicLimits;
  private final Consumer<? super Sender> onSubscribe;
  private final @Nullable PresenceListener onPresence;
  private final @Nullable DeliveryObserver deliveryObserver;

  private BroadcasterConfig(Builder b) {
    name = b.name;
    channel = b.channel;
    slowClientGrace = b.slowClientGrace;
    heartbeat = b.heartbeat;
    heartbeatComment = b.heartbeatComment;
    greeting = b.greeting;
    assignIds = b.assignIds;
    firstId = b.firstId;
    history = b.history != UNSET ? b.history : b.assignIds && b.backplane == null ? b.channel.maxQueuedEvents() : 0;
    historyPerTopic = b.historyPerTopic == 0 ? history : Math.min(b.historyPerTopic, history);
    historyMaxAge = b.historyMaxAge;
    maxClients = b.maxClients;
    onReplayMiss = b.onReplayMiss;
    scheduler = b.scheduler;
    backplane = b.backplane;
    replayRetry = b.replayRetry;
    maxConcurrentReplays = b.maxConcurrentReplays;
    topicLimits = b.topicLimits;
    onSubscribe = b.onSubscribe;
    onPresence = b.onPresence;
    deliveryObserver = b.deliveryObserver;
  }

  /**
   * Returns the defaults listed in the type's description.
   *
   * @return the default configuration
   */
  public static BroadcasterConfig defaults() {
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
   * Returns the broadcaster's name; see {@link Builder#name(String)}.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the limits of each client's queue; see {@link Builder#channel(ChannelConfig)}.
   *
   * @return the channel configuration
   */
  public ChannelConfig channel() {
    return channel;
  }

  /**
   * Returns how long a paced broadcast waits for a client at its pacing watermark; see
   * {@link Builder#slowClientGrace(Duration)}.
   *
   * @return the grace, positive
   */
  public Duration slowClientGrace() {
    return slowClientGrace;
  }

  /**
   * Returns the heartbeat interval; see {@link Builder#heartbeat(Duration)}.
   *
   * @return the interval, or {@link Duration#ZERO} when heartbeats are off
   */
  public Duration heartbeat() {
    return heartbeat;
  }

  /**
   * Returns the text of the heartbeat comment; see {@link Builder#heartbeatComment(String)}.
   *
   * @return the comment text
   */
  public String heartbeatComment() {
    return heartbeatComment;
  }

  /**
   * Returns the event every new client gets first; see {@link Builder#greeting(Event)}.
   *
   * @return the greeting, or {@code null} for none
   */
  public @Nullable Event greeting() {
    return greeting;
  }

  /**
   * Tells whether the broadcaster assigns ids; see {@link Builder#assignIds(boolean)}.
   *
   * @return {@code true} if ids are assigned
   */
  public boolean assignIds() {
    return assignIds;
  }

  /**
   * Returns the id the broadcaster gives the first event it numbers; see {@link Builder#firstId(long)}.
   *
   * @return the first id, or 0 if the broadcaster takes it from the clock when it is created
   */
  public long firstId() {
    return firstId;
  }

  /**
   * Returns how many recent events the replay history keeps; see {@link Builder#history(int)}.
   *
   * @return the history size; 0 means no history
   */
  public int history() {
    return history;
  }

  /**
   * Returns how many events each topic keeps in the replay history; see {@link Builder#historyPerTopic(int)}.
   *
   * @return at most {@link #history()}; equal to it when no bound per topic was set
   */
  public int historyPerTopic() {
    return historyPerTopic;
  }

  /**
   * Returns how long an event stays in the replay history; see {@link Builder#historyMaxAge(Duration)}.
   *
   * @return the maximum age, or {@code null} for no age limit
   */
  public @Nullable Duration historyMaxAge() {
    return historyMaxAge;
  }

  /**
   * Returns how many clients may be connected at once; see {@link Builder#maxClients(int)}.
   *
   * @return the client limit
   */
  public int maxClients() {
    return maxClients;
  }

  /**
   * Returns the replay-miss handler; see {@link Builder#onReplayMiss(ReplayMissHandler)}.
   *
   * @return the handler
   */
  public ReplayMissHandler onReplayMiss() {
    return onReplayMiss;
  }

  /**
   * Returns the scheduler; see {@link Builder#scheduler(ScheduledExecutorService)}.
   *
   * @return the application's scheduler, or {@code null} for Herald's shared one
   */
  public @Nullable ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /**
   * Returns the backplane; see {@link Builder#backplane(Backplane)}.
   *
   * @return the backplane, or {@code null} for a single-node broadcaster
   */
  public @Nullable Backplane backplane() {
    return backplane;
  }

  /**
   * Returns how long a replay from the backplane's log waits for the log; see {@link Builder#replayRetry(Duration)}.
   *
   * @return the time, or {@link Duration#ZERO} for a miss at the first failed read
   */
  public Duration replayRetry() {
    return replayRetry;
  }

  /**
   * Returns how many replays a clustered broadcaster reads from the backplane's log at once; see
   * {@link Builder#maxConcurrentReplays(int)}.
   *
   * @return the limit, at least 1
   */
  public int maxConcurrentReplays() {
    return maxConcurrentReplays;
  }

  /**
   * Returns the limits on each client's topics; see {@link Builder#topicLimits(TopicLimits)}.
   *
   * @return the limits
   */
  public TopicLimits topicLimits() {
    return topicLimits;
  }

  /**
   * Returns what is told of each new client; see {@link Builder#onSubscribe(Consumer)}.
   *
   * @return the listener
   */
  public Consumer<? super Sender> onSubscribe() {
    return onSubscribe;
  }

  /**
   * Returns what is told of topics' first joins and last leaves; see {@link Builder#onPresence(PresenceListener)}.
   *
   * @return the listener, or {@code null} for none
   */
  public @Nullable PresenceListener onPresence() {
    return onPresence;
  }

  /**
   * Returns the observer of delivery delays; see {@link Builder#deliveryObserver(DeliveryObserver)}.
   *
   * @return the observer, or {@code null} when delivery delays are not measured
   */
  public @Nullable DeliveryObserver deliveryObserver() {
    return deliveryObserver;
  }

  /**
   * Builds a {@link BroadcasterConfig}. Not thread-safe; use it from one thread.
   */
  public static final class Builder {
    private String name = "default";
    private ChannelConfig channel = ChannelConfig.defaults();
    private Duration slowClientGrace = Duration.ofSeconds(5);
    private Duration heartbeat = Duration.ofSeconds(15);
    private String heartbeatComment = "ping";
    private @Nullable Event greeting;
    private boolean assignIds;
    private long firstId;
    private int history = UNSET;
    private int historyPerTopic;
    private @Nullable Duration historyMaxAge;
    private int maxClients = Integer.MAX_VALUE;
    private ReplayMissHandler onReplayMiss = ReplayMissHandler.sendReset();
    private @Nullable ScheduledExecutorService scheduler;
    private @Nullable Backplane backplane;
    private Duration replayRetry = Duration.ofSeconds(30);
    private int maxConcurrentReplays = 8;
    private TopicLimits topicLimits = TopicLimits.defaults();
    private Consumer<? super Sender> onSubscribe = client -> {};
    private @Nullable PresenceListener onPresence;
    private @Nullable DeliveryObserver deliveryObserver;

    private Builder() {}

    /**
     * Names the broadcaster, for its metrics (the {@code broadcaster} tag of {@code sse-micrometer}'s meters) and
     * health. Default {@code default}. An application with several broadcasters gives each its own name, from a
     * fixed set: a name per topic or per user would make a metric series each.
     *
     * @param name 1 to 64 characters, none of them a control character or a space at either end
     * @return this builder
     * @throws IllegalArgumentException if empty, longer than 64 characters, with a control character, or with
     *     leading or trailing white space
     */
    public Builder name(String name) {
      requireNonNull(name, "name");
      if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
        throw new IllegalArgumentException(
            "name must be 1 to " + MAX_NAME_LENGTH + " characters; it has " + name.length());
      }
      if (name.chars().anyMatch(Character::isISOControl)) {
        // Not echoed: a control character in a message would reach logs as it is.
        throw new IllegalArgumentException("name must not contain control characters");
      }
      if (!name.strip().equals(name)) {
        throw new IllegalArgumentException("name must not start or end with white space: \"" + name + '"');
      }
      this.name = name;
      return this;
    }

    /**
     * Sets the limits of each client's queue and the overflow policy. Default {@link ChannelConfig#defaults()}.
     *
     * @param channel the channel configuration
     * @return this builder
     */
    public Builder channel(ChannelConfig channel) {
      this.channel = requireNonNull(channel, "channel");
      return this;
    }

    /**
     * Sets how long a paced broadcast ({@link dev.herald.sse.Broadcaster#broadcastPaced}) waits for a client at its
     * {@linkplain ChannelConfig.Builder#pacingWatermark(int) pacing watermark}. Default 5 s. After it, a client
     * whose queue is full gets its overflow policy, and one whose queue still has room keeps the event and paces no
     * paced broadcast until it is back under the watermark (its policy applies if its queue fills meanwhile).
     *
     * @param slowClientGrace positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder slowClientGrace(Duration slowClientGrace) {
      requireNonNull(slowClientGrace, "slowClientGrace");
      if (slowClientGrace.isNegative() || slowClientGrace.isZero()) {
        throw new IllegalArgumentException("slowClientGrace must be positive: " + slowClientGrace);
      }
      this.slowClientGrace = slowClientGrace;
      return this;
    }

    /**
     * Sets the heartbeat interval: a client that received nothing for a whole interval gets a comment at the next
     * tick, so proxies keep the connection open and a dead peer is found. Default 15 s; {@link Duration#ZERO}
     * turns heartbeats off.
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
     * Sets the text of the heartbeat comment. Default {@code ping}, as in {@code : ping}.
     *
     * @param heartbeatComment the comment text, possibly empty
     * @return this builder
     */
    public Builder heartbeatComment(String heartbeatComment) {
      this.heartbeatComment = requireNonNull(heartbeatComment, "heartbeatComment");
      return this;
    }

    /**
     * Sets an event every new client gets first, before any replay. Default none.
     *
     * @param greeting the event, or {@code null} for none
     * @return this builder
     */
    public Builder greeting(@Nullable Event greeting) {
      this.greeting = greeting;
      return this;
    }

    /**
     * Makes the broadcaster give increasing decimal ids to broadcast events that have none, so clients can resume
     * with {@code Last-Event-ID}, and keep a history for them to resume from (as long as a client's queue, unless
     * {@link #history(int)} says otherwise). The ids count up from {@link #firstId(long)}. Default off.
     *
     * @param assignIds whether to assign ids
     * @return this builder
     */
    public Builder assignIds(boolean assignIds) {
      this.assignIds = assignIds;
      return this;
    }

    /**
     * Sets the id of the first event the broadcaster numbers ({@link #assignIds(boolean)}); the next get one more
     * each. Default: the time the broadcaster is created, in milliseconds since the epoch, times 1,000, plus one
     * (a 16-digit number, which JavaScript still reads exactly). A restarted server's ids are therefore all
     * greater than those of the run before (unless that run numbered more than a thousand events a millisecond
     * on average, or the clock went back), so a client that resumes with an id from an earlier run gets the
     * replay-miss signal rather than the events of this run that happen to carry its old number.
     *
     * <p>Set it only when ids need not outlive the process (tests), or when the application keeps the last id
     * across restarts itself and starts after it.
     *
     * @param firstId at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder firstId(long firstId) {
      if (firstId < 1) {
        throw new IllegalArgumentException("firstId must be at least 1: " + firstId);
      }
      this.firstId = firstId;
      return this;
    }

    /**
     * Keeps up to {@code events} events, broadcast or published to topics, for replay to clients that reconnect
     * with {@code Last-Event-ID}; when it is full, the topic with the most events kept gives up its oldest (see
     * {@link #historyPerTopic(int)}). Default: with {@link #assignIds(boolean)} on one node (no backplane), as many
     * as a client's queue holds ({@link ChannelConfig#maxQueuedEvents()}); otherwise 0 (no history). The history
     * shares the encoded bytes with the clients' queues, so its cost is the events themselves.
     *
     * <p>With the {@link OverflowPolicy#DISCONNECT disconnect} policy, a history shorter than the queue is refused
     * by {@link #build()}: a client cut as slow is a whole queue behind, and could never resume from it (see the
     * class description). To keep fewer events, lower {@link ChannelConfig.Builder#maxQueuedEvents(int)} as well.
     *
     * @param events how many events to keep, 0 for none
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder history(int events) {
      if (events < 0) {
        throw new IllegalArgumentException("history must not be negative: " + events);
      }
      this.history = events;
      return this;
    }

    /**
     * Bounds how many events each topic keeps in the history, within its total ({@link #history(int)}); the
     * broadcasts count as one topic, and an event published to several topics counts in each. Default 0: no bound
     * but the total.
     *
     * <p>Whatever the bounds, when the history is full the topic that holds the most events gives up its oldest, so
     * a busy topic cannot push a quiet topic's events out of reach: a client of a quiet topic that reconnects still
     * gets the one event it missed while another topic published thousands. A client whose topics let go of an
     * event after its {@code Last-Event-ID} gets the replay-miss signal.
     *
     * @param events how many events each topic keeps, 0 for no bound but the total
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder historyPerTopic(int events) {
      if (events < 0) {
        throw new IllegalArgumentException("historyPerTopic must not be negative: " + events);
      }
      this.historyPerTopic = events;
      return this;
    }

    /**
     * Also drops events older than this from the history. Default: no age limit.
     *
     * @param maxAge positive, or {@code null} for no age limit
     * @return this builder
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder historyMaxAge(@Nullable Duration maxAge) {
      if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
        throw new IllegalArgumentException("historyMaxAge must be positive: " + maxAge);
      }
      this.historyMaxAge = maxAge;
      return this;
    }

    /**
     * Sets how many clients may be connected at once; one more is refused with
     * {@link dev.herald.sse.TooManyClientsException}, which transports answer with {@code 503}. Default
     * unlimited.
     *
     * @param maxClients at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxClients(int maxClients) {
      if (maxClients < 1) {
        throw new IllegalArgumentException("maxClients must be at least 1: " + maxClients);
      }
      this.maxClients = maxClients;
      return this;
    }

    /**
     * Sets the handler for clients whose {@code Last-Event-ID} is not in the history, and, on a clustered
     * broadcaster, for every client when the backplane's log lost entries before this node delivered them. Default
     * {@link ReplayMissHandler#sendReset()}: the client gets an {@code event: reset} with an empty id; use
     * {@link ReplayMissHandler#ignore()} to tell it nothing.
     *
     * @param onReplayMiss the handler
     * @return this builder
     */
    public Builder onReplayMiss(ReplayMissHandler onReplayMiss) {
      this.onReplayMiss = requireNonNull(onReplayMiss, "onReplayMiss");
      return this;
    }

    /**
     * Runs heartbeats and paced-broadcast timeouts on the application's scheduler instead of Herald's shared
     * daemon thread. Default none: the shared thread, one for all broadcasters. The application owns its scheduler
     * and shuts it down after closing the broadcaster.
     *
     * @param scheduler the scheduler, or {@code null} for Herald's shared one
     * @return this builder
     */
    public Builder scheduler(@Nullable ScheduledExecutorService scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /**
     * Makes the broadcaster one node of a cluster whose nodes share this backplane's log (for example
     * {@code RedisBackplane} from {@code sse-redis}). Default none: a single node, in memory.
     *
     * <p>A clustered broadcaster publishes each broadcast to the log and delivers the log's entries to its own
     * clients, in the log's order, with the log's ids as event ids ({@link #assignIds} does not apply, and an
     * event with an id of its own is refused); its {@link #history} is the node's local replay cache, and a
     * {@code Last-Event-ID} older than that cache is replayed from the log. See
     * {@link dev.herald.sse.Broadcaster} for what {@code broadcast} returns and how it fails.
     *
     * <p>The broadcaster starts the backplane and closes it when it closes, so a configuration with a backplane
     * makes one broadcaster.
     *
     * @param backplane the backplane, or {@code null} for a single node
     * @return this builder
     */
    public Builder backplane(@Nullable Backplane backplane) {
      this.backplane = backplane;
      return this;
    }

    /**
     * Sets how long a client whose replay must be read from the backplane's log waits for the log when it cannot
     * be read (the backplane is down, or the read failed). Default 30 s; only a broadcaster with a backplane reads
     * replays from a log.
     *
     * <p>A client that reconnects with a {@code Last-Event-ID} older than this node's history gets its missed
     * events from the log. While the log is unreachable no live events flow either, so the client waits, with its
     * stream open, and the read is tried again (after 250 ms, then twice as long each time, at most 4 s apart)
     * until it succeeds: then the client gets everything it missed, as if nothing had happened. Only if the log is
     * still unreadable when this time runs out is it a replay miss ({@link #onReplayMiss}), followed by the live
     * events from then on. {@link Duration#ZERO} makes the first failed read a miss.
     *
     * @param replayRetry zero or positive
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder replayRetry(Duration replayRetry) {
      requireNonNull(replayRetry, "replayRetry");
      if (replayRetry.isNegative()) {
        throw new IllegalArgumentException("replayRetry must not be negative: " + replayRetry);
      }
      this.replayRetry = replayRetry;
      return this;
    }

    /**
     * Sets how many replays this node reads from the backplane's log at once. Default 8; only a broadcaster with a
     * backplane reads replays from a log.
     *
     * <p>A replay from the log is read a page at a time (32 entries at most), and the next page only once the
     * client's queue has taken the last one, so a replay costs at most what it delivers. A replay holds its turn
     * while a page is read, and until its client has taken that page or {@code slowClientGrace} runs out (then a
     * client under {@link OverflowPolicy#DISCONNECT} is disconnected as slow; under the drop policies its replay
     * waits for it without a turn). Replays beyond the limit wait for a turn, their clients connected, with the
     * live events held for them (at most the queue's event bound, then the overflow policy). So a burst of
     * clients resuming from old ids makes the log and this node hold at most about this many pages at once.
     *
     * @param replays at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxConcurrentReplays(int replays) {
      if (replays < 1) {
        throw new IllegalArgumentException("maxConcurrentReplays must be at least 1: " + replays);
      }
      this.maxConcurrentReplays = replays;
      return this;
    }

    /**
     * Sets the limits on each client's topics and on the length of a topic's name. Default
     * {@link TopicLimits#defaults()}.
     *
     * @param topicLimits the limits
     * @return this builder
     */
    public Builder topicLimits(TopicLimits topicLimits) {
      this.topicLimits = requireNonNull(topicLimits, "topicLimits");
      return this;
    }

    /**
     * Sets a listener given each new client's {@link Sender} once it is subscribed, with its greeting, replay and
     * position queued: the application's handle on that one stream, to {@link Sender#send send} to it alone, to
     * {@link dev.herald.sse.Broadcaster#join join} it to topics later, or to {@link Sender#onClose watch} it leave.
     * Default none.
     *
     * <p>It runs on the thread that subscribed the client (a transport's I/O thread), before the transport serves
     * the stream: keep it short, and keep no sender past its {@code onClose}. An exception it throws is logged and
     * otherwise ignored: the client stays subscribed.
     *
     * @param onSubscribe the listener
     * @return this builder
     */
    public Builder onSubscribe(Consumer<? super Sender> onSubscribe) {
      this.onSubscribe = requireNonNull(onSubscribe, "onSubscribe");
      return this;
    }

    /**
     * Sets a listener told when a topic gets its first subscriber and when its last one leaves. Default none.
     *
     * @param onPresence the listener, or {@code null} for none
     * @return this builder
     */
    public Builder onPresence(@Nullable PresenceListener onPresence) {
      this.onPresence = onPresence;
      return this;
    }

    /**
     * Measures how long broadcast events wait between their broadcast and their write to each client's
     * connection, and reports a sample of these delays to an observer (see {@link DeliveryObserver} for what is
     * measured and on which threads it is called). Default none: nothing is measured, at no cost.
     *
     * @param observer the observer, or {@code null} to measure nothing
     * @return this builder
     */
    public Builder deliveryObserver(@Nullable DeliveryObserver observer) {
      this.deliveryObserver = observer;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return a new immutable configuration
     * @throws IllegalArgumentException if the history is shorter than a client's queue while slow clients are
     *     disconnected (see {@link #history(int)}), with a message that says what to change
     */
    public BroadcasterConfig build() {
      int queue = channel.maxQueuedEvents();
      if (history != UNSET && history > 0 && history < queue && channel.overflowPolicy() == OverflowPolicy.DISCONNECT
          && backplane == null) {
        throw new IllegalArgumentException("history(" + history + ") is shorter than a client's queue (" + queue
            + " events): a client disconnected as slow is " + queue + " events behind and could never resume from"
            + " it. Use history(" + queue + ") or more, or ChannelConfig.builder().maxQueuedEvents(" + history
            + ") to cut slow clients sooner");
      }
      return new BroadcasterConfig(this);
    }
  }
}
