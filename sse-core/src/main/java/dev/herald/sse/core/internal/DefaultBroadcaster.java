package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.BroadcasterStats;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Event;
import dev.herald.sse.Sender;
import dev.herald.sse.Subscription;
import dev.herald.sse.TooManyClientsException;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.DeliveryObserver;
import dev.herald.sse.core.spi.Backplane;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link Broadcaster}: one lock orders broadcasts, subscriptions and the replay history, so every
 * client sees events in id order and a reconnecting client's replay meets the live stream with no gap and no
 * duplicate. The lock is held only to encode, record, and offer one shared frame to each client's lock-free queue
 * ({@link Fanout}); nothing under it waits for a client, and no transport is woken under it.
 *
 * <p>The parts: the clients ({@link ClientSet}), the fan-out every broadcast takes ({@link Fanout}), the record of
 * what was sent ({@link Recorder}: ids and the replay history) and where a new client starts from it
 * ({@link Resumption}), the topics and identities ({@link TopicRouter}, with {@link Presence}), the clock
 * ({@link BroadcasterClock}: the heartbeat and the loss report), and with a {@link Backplane} the cluster's side
 * ({@link ClusterNode}): a clustered broadcast only publishes to the shared log, and each entry the log delivers
 * back takes the same fan-out as a local broadcast.
 *
 * <p><b>Threading.</b> Thread-safe. The lock guards the clients, the history and the ids; close listeners, the
 * replay-miss handler and transport wake-ups run after it is released.
 */
public final class DefaultBroadcaster implements Broadcaster {
  private static final Logger logger = LoggerFactory.getLogger(DefaultBroadcaster.class);

  private final BroadcasterConfig config;
  private final ChannelConfig channelConfig;
  final Counters counters = new Counters();
  private final @Nullable Frame greeting;
  final ScheduledExecutorService scheduler;
  private final BroadcasterClock clock;

  final ReentrantLock lock = new ReentrantLock();
  final ClientSet clients = new ClientSet(); // guarded by lock
  private final TopicRouter topics; // guarded by lock, which it takes itself to change a client's topics
  private final Presence presence;
  private final Recorder recorder; // guarded by lock
  private final Resumption resumption; // guarded by lock
  private volatile boolean closed;
  /** Completes once every stream this broadcaster had when it closed has ended. */
  private final CompletableFuture<Void> ending = new CompletableFuture<>();
  private final @Nullable ClusterNode cluster;
  /** The idempotency keys of {@link #broadcastOnce} on one node; a cluster's backplane keeps its own. */
  private final OnceKeys onceKeys = new OnceKeys();
  /** Measures delivery delays, or {@code null} when no observer is set: then frames carry no time. */
  private final @Nullable DeliveryDelays delays;

  /**
   * Makes a broadcaster and starts its heartbeat.
   *
   * @param config the configuration
   */
  public DefaultBroadcaster(BroadcasterConfig config) {
    this.config = requireNonNull(config, "config");
    this.channelConfig = config.channel();
    this.presence = new Presence(config.onPresence());
    this.topics = new TopicRouter(config.topicLimits(), lock, presence);
    Backplane backplane = config.backplane();
    boolean assignIds = config.assignIds() && backplane == null; // with a backplane, the log gives the ids
    this.recorder = new Recorder(config, assignIds);
    DeliveryObserver observer = config.deliveryObserver();
    this.delays = observer == null ? null : new DeliveryDelays(observer);
    Event greetingEvent = config.greeting();
    this.greeting = greetingEvent == null ? null : encode(greetingEvent);
    this.cluster = backplane == null ? null : new ClusterNode(this, backplane, config);
    this.resumption = new Resumption(recorder, cluster, assignIds, config.history(), counters);
    this.clock = new BroadcasterClock(config, counters, this::snapshot);
    this.scheduler = clock.scheduler;
    if (cluster != null) {
      try {
        cluster.start();
      } catch (RuntimeException | Error e) {
        closeAll(false); // the backplane may serve another broadcaster: not ours to close
        throw e;
      }
    }
  }

  @Override
  public SseChannel register(Subscription request) {
    requireNonNull(request, "subscription");
    // Refused whole, before anything is held.
    ClientTopics subscription = topics.subscription(request.topics(), request.identity());
    String resumeFrom = request.lastEventId();
    DefaultChannel channel = new DefaultChannel(channelConfig, resumeFrom, counters,
        delays == null ? null : delays.sampler());
    channel.owner = this;
    channel.subscription = subscription;
    Resumption.Start start = null;
    lock.lock();
    try {
      checkOpen();
      if (clients.size() >= config.maxClients()) {
        throw new TooManyClientsException(config.maxClients());
      }
      topics.checkStreams(subscription, request.maxStreamsPerIdentity());
      // Its transport has not started yet, so queuing wakes no one under the lock.
      if (greeting != null && channel.tryOffer(greeting)) {
        counters.framesQueued.increment();
      }
      if (resumeFrom != null) {
        start = resumption.resume(channel, resumeFrom, subscription);
      }
      clients.add(channel);
      topics.add(channel, subscription);
      counters.clientsConnected.increment();
    } finally {
      lock.unlock();
      presence.tell();
    }
    channel.onClose(reason -> remove(channel));
    if (start == Resumption.Start.MISSED) {
      replayMissed(channel, requireNonNull(resumeFrom));
    } else if (start == Resumption.Start.READING) {
      requireNonNull(cluster).readReplay(channel, requireNonNull(resumeFrom));
    }
    if (resumption.needsPosition(start, subscription)) {
      markPosition(channel);
    }
    try {
      config.onSubscribe().accept(channel);
    } catch (RuntimeException e) {
      logger.warn("the onSubscribe listener failed; the client stays subscribed", e);
    }
    return channel;
  }

  /**
   * Gives a client its position at once ({@link Resumption#position}): one cut before any event reaches it then
   * resumes with an id, never with nothing. Queued last (after any replay-miss signal, whose empty id would clear
   * it), under the lock.
   */
  private void markPosition(DefaultChannel channel) {
    lock.lock();
    try {
      Frame position = resumption.position(channel.subscription);
      if (!closed && ClientSet.isMember(channel) && position != null) {
        channel.offerReplay(position);
        counters.framesQueued.increment();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Hands a client whose {@code Last-Event-ID} cannot be replayed to the replay-miss handler; holding no lock. */
  void replayMissed(DefaultChannel channel, String lastEventId) {
    try {
      config.onReplayMiss().onMiss(channel, lastEventId);
    } catch (RuntimeException e) {
      logger.warn("the replay-miss handler failed", e);
    }
  }

  @Override
  public int broadcast(Event event) {
    requireNonNull(event, "event");
    if (cluster != null) {
      checkOpen();
      cluster.broadcast(event, null);
      return 0;
    }
    return fanOutOrFail(event, null, false).queued();
  }

  @Override
  public int publish(Collection<String> topicNames, Event event) {
    return publishTo(topics.names(topicNames), event);
  }

  @Override
  public int sendTo(String identity, Event event) {
    return publishTo(TopicRouter.identityKeys(identity), event);
  }

  private int publishTo(String[] keys, Event event) {
    requireNonNull(event, "event");
    if (cluster != null) {
      checkOpen();
      cluster.broadcast(event, keys);
      return 0;
    }
    return fanOutOrFail(event, keys, false).queued();
  }

  @Override
  public CompletionStage<Void> broadcastPaced(Event event) {
    requireNonNull(event, "event");
    if (cluster != null) {
      checkOpen();
      return cluster.broadcastPaced(event);
    }
    return fanOutOrFail(event, null, true).pacing(scheduler, config.slowClientGrace());
  }

  @Override
  public CompletionStage<Void> broadcastOnce(String idempotencyKey, Event event) {
    OnceKeys.check(idempotencyKey);
    requireNonNull(event, "event");
    if (cluster != null) {
      checkOpen();
      return cluster.publishOnce(idempotencyKey, event);
    }
    return onceKeys.once(idempotencyKey, System.nanoTime(), () -> broadcastPaced(event));
  }

  private Fanout fanOutOrFail(Event event, String @Nullable [] published, boolean paced) {
    Fanout fanout = fanOut(event, published, paced, Fanout.TO_EVERYONE);
    if (fanout == null) {
      throw closedException();
    }
    return fanout;
  }

  /**
   * Records an event and offers its frame to the clients a route admits: the one fan-out path, taken by
   * {@link #broadcast}, {@link #broadcastPaced}, {@link #publish(Collection, Event)} and each entry a cluster's log
   * delivers. Under the lock, if open, it makes the route (a cluster's routing also updates its place in the log
   * there), records the event, and offers, to every client or, for a publish, to the subscribers the topic index
   * finds; after, it wakes the idle transports, counts, and disconnects the slow clients.
   *
   * @param event the event
   * @param published the topics of a publish, or {@code null} for a broadcast (which every client hears)
   * @param paced whether full clients park the frame rather than meet their overflow policy
   * @param routing makes the route for this fan-out, under the lock; a publish offers to the subscribers it admits
   * @return the finished fan-out, or {@code null} if the broadcaster is closed
   * @throws IllegalArgumentException if the event encodes to more than the size limit
   */
  @Nullable Fanout fanOut(Event event, String @Nullable [] published, boolean paced,
      Function<Fanout, Predicate<DefaultChannel>> routing) {
    Fanout fanout = null;
    lock.lock();
    try {
      if (closed) {
        return null;
      }
      if (published == null) {
        fanout = new Fanout(paced, clients.size());
        Predicate<DefaultChannel> route = routing.apply(fanout);
        fanout.offerTo(record(event, null), clients, route);
      } else {
        List<DefaultChannel> subscribers = topics.targets(published);
        fanout = new Fanout(paced, subscribers.size());
        Predicate<DefaultChannel> route = routing.apply(fanout);
        fanout.offerToEach(record(event, published), subscribers, route);
      }
    } finally {
      lock.unlock();
      if (fanout != null) {
        fanout.wakeIdle(); // outside the lock; also after a failure, or a claimed wake-up would never come
      }
    }
    fanout.finish(counters);
    return fanout;
  }

  @Override
  public boolean join(Sender client, Collection<String> joined) {
    return topics.join(clientOf(client), joined);
  }

  @Override
  public boolean leave(Sender client, Collection<String> left) {
    return topics.leave(clientOf(client), left);
  }

  @Override
  public int subscriberCount(String topic) {
    return topics.subscribers(topics.names(List.of(topic))[0]);
  }

  @Override
  public Set<String> topics(Sender client) {
    return topics.topicsOf(clientOf(client));
  }

  private DefaultChannel clientOf(Sender client) {
    requireNonNull(client, "client");
    if (client instanceof DefaultChannel channel && channel.owner == this) {
      return channel;
    }
    throw new IllegalArgumentException("not a client of this broadcaster: " + client);
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public int clientCount() {
    lock.lock();
    try {
      return clients.size();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isFull() {
    return clientCount() >= config.maxClients();
  }

  @Override
  public BroadcasterStats stats() {
    DefaultChannel[] now;
    int topicCount;
    lock.lock();
    try {
      now = clients.snapshot();
      topicCount = topics.topicCount();
    } finally {
      lock.unlock();
    }
    return counters.snapshot(now, topicCount, cluster == null ? null : cluster.backplane());
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closeAll(true);
  }

  @Override
  public CompletionStage<Void> shutdown() {
    closeAll(true);
    return ending.copy(); // a future of its own, which a framework may wait on and nobody else can complete
  }

  private void closeAll(boolean closeBackplane) {
    DefaultChannel[] snapshot;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      snapshot = clients.snapshot();
    } finally {
      lock.unlock();
    }
    CompletableFuture<?>[] endings = new CompletableFuture<?>[snapshot.length];
    for (int i = 0; i < snapshot.length; i++) {
      endings[i] = snapshot[i].whenEnded();
    }
    // Completed off the transports' threads: what the application chained on the stage (stopping the server, say)
    // must not run on an event loop or a container thread.
    CompletableFuture.allOf(endings).whenCompleteAsync((done, failure) -> ending.complete(null));
    clock.stop();
    for (DefaultChannel channel : snapshot) {
      channel.close(CloseReason.SERVER_CLOSED);
    }
    if (closeBackplane && cluster != null) {
      try {
        cluster.backplane().close();
      } catch (RuntimeException e) {
        logger.warn("closing the backplane failed", e);
      }
    }
    logger.debug("broadcaster closed; ended {} client streams", snapshot.length);
  }

  /** Encodes an event, enforcing the size limit. */
  Frame encode(Event event) {
    return recorder.encode(event);
  }

  /**
   * Under the lock: gives the event its id if this broadcaster assigns them, encodes it once, keeps it in the
   * history with its topics ({@code null} for a broadcast), and counts it. The lock's order is every client's order.
   */
  private Frame record(Event event, String @Nullable [] published) {
    long now = System.nanoTime();
    Frame frame = recorder.record(event, published, now);
    if (published == null) {
      clock.broadcastAt(now); // a publish to topics reaches some clients only: they may still need a heartbeat
    }
    counters.eventsBroadcast.increment();
    return frame;
  }

  /** Under the lock: forgets the events kept for replay; see {@link Recorder#forget()}. */
  void forgetHistory() {
    recorder.forget();
  }

  private void remove(DefaultChannel channel) {
    lock.lock();
    try {
      if (ClientSet.isMember(channel)) {
        clients.remove(channel);
        topics.remove(channel, channel.subscription);
      }
    } finally {
      lock.unlock();
      presence.tell();
    }
  }

  private DefaultChannel[] snapshot() {
    lock.lock();
    try {
      return clients.snapshot();
    } finally {
      lock.unlock();
    }
  }

  /** One heartbeat tick at this time; package-private so tests can drive the clock. */
  void heartbeat(long now) {
    clock.tick(now);
  }

  /** For tests: whether no client has a topic, so the topic index holds nothing. */
  boolean topicsAreEmpty() {
    return topics.isEmpty();
  }

  /** For tests: whether the calling thread holds this broadcaster's lock. */
  boolean lockHeldByCurrentThread() {
    return lock.isHeldByCurrentThread();
  }

  private void checkOpen() {
    if (closed) {
      throw closedException();
    }
  }

  private static IllegalStateException closedException() {
    return new IllegalStateException("broadcaster is closed");
  }
}
