package dev.herald.sse;

import dev.herald.sse.spi.SseChannel;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A set of clients that receive the same events.
 *
 * <p>A transport subscribes each client that connects ({@link #subscribe(String)}) and serves the returned
 * {@link SseChannel}; the application calls {@link #broadcast(Event)}. A broadcast encodes the event once and
 * offers the same bytes to every client without waiting for any of them: a client whose queue is full is handled
 * by its overflow policy at once (by default it is disconnected, and can reconnect and catch up from the replay
 * history). {@link #broadcastPaced(Event)} is for producers that must not outrun their readers.
 *
 * <pre>{@code
 * Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
 *     .heartbeat(Duration.ofSeconds(10))
 *     .assignIds(true)   // ids, and a history to resume from
 *     .build());
 * // hand it to a transport, e.g. NettySse or ServletSse, then:
 * broadcaster.broadcast(Data.of("hello, everyone"));
 * }</pre>
 *
 * <p><b>Topics.</b> One stream can carry many topics. A client subscribes to topic names and patterns when it
 * connects (with the handshake, {@code GET /events?topic=rooms/7&topic=users/bob}), and
 * {@link #publish(String, Event)} reaches only the clients whose subscription matches, encoded once, at a cost that
 * grows with those clients, not with all of them. {@link #broadcast(Event)} still reaches every client, whatever its
 * topics: a broadcast is for everyone. {@link Topics} says how names and patterns are spelled. The engine writes
 * nothing about the topic on the wire (the event's {@code event:} name and data stay the application's): a client
 * that subscribes with a pattern and needs to know which topic an event went to is told by the application, in the
 * event's data or name, which the publisher knows when it publishes.
 *
 * <pre>{@code
 * broadcaster.publish("rooms/7", Data.of("hello, room 7").withName("chat"));
 * broadcaster.publish(List.of("rooms/7", "rooms/8"), Data.of("to both rooms; once to a client of both"));
 * }</pre>
 *
 * <p><b>Threading.</b> All methods are safe to call from any thread. Events broadcast by one thread reach every
 * client in that order; concurrent broadcasts are ordered as their ids are, so every client sees one order.
 *
 * <p><b>Clustered.</b> A broadcaster configured with a backplane (a shared log such as a Redis stream, see
 * {@code BroadcasterConfig.Builder.backplane}) is one node of a cluster: {@link #broadcast(Event)} publishes the
 * event to the log and returns at once, and every node, this one included, delivers each logged event to its own
 * clients in the log's order, with the log's id as the event id. A client whose reconnect reaches another node
 * resumes there from its {@code Last-Event-ID}. While the log is unreachable, broadcasts fail fast with
 * {@link BackplaneUnavailableException}, and clients stay connected.
 *
 * <p><b>Ownership.</b> The application owns the broadcaster and closes it; closing ends every client's stream
 * cleanly. A server that is stopping calls {@link #shutdown()} before its host closes connections, and waits for
 * the returned stage: the streams then end with their last chunk rather than being cut. Transports own their
 * connections and close a client's channel when its connection ends, which removes the client at once.
 */
public interface Broadcaster extends AutoCloseable {

  /**
   * Registers a new client with no topic (it gets every broadcast) and returns the channel its transport serves.
   *
   * <p>When {@code lastEventId} names an event still in the replay history, the channel starts with every later
   * event, in order, and then carries live events, with no gap and no duplicate. An id not in the history is
   * reported (counted as a replay miss) and the client gets live events only. This is transport SPI: applications
   * rarely call it themselves.
   *
   * @param lastEventId the {@code Last-Event-ID} request header, or {@code null} if absent
   * @return the new client's channel, already registered
   * @throws IllegalStateException if the broadcaster is closed
   * @throws TooManyClientsException if the broadcaster already has its configured maximum of clients
   */
  default SseChannel subscribe(@Nullable String lastEventId) {
    return subscribe(lastEventId, List.of());
  }

  /**
   * Registers a new client with its topics and returns the channel its transport serves.
   *
   * @param lastEventId the {@code Last-Event-ID} request header, or {@code null} if absent
   * @param topics the topic names and patterns; duplicates count once
   * @return the new client's channel, already registered
   * @throws InvalidTopicException if a topic is not well formed, or the topics are over a limit
   * @throws IllegalStateException if the broadcaster is closed
   * @throws TooManyClientsException if the broadcaster already has its configured maximum of clients
   * @see #register(Subscription)
   */
  default SseChannel subscribe(@Nullable String lastEventId, Collection<String> topics) {
    return register(Subscription.of(lastEventId, topics));
  }

  /**
   * Registers a new client, with its topics and identity, and returns the channel its transport serves.
   *
   * <p>The client gets every {@link #broadcast(Event)}, every {@link #publish(Collection, Event)} to a topic one
   * of its topics matches (each a name or a pattern, see {@link Topics}), once per event however many of them
   * match, and, if it has an identity, every {@link #sendTo(String, Event)} to that identity. With no topics and no
   * identity it gets broadcasts only. A replay (see {@link #subscribe(String)}) holds the same events. The topics
   * are checked against the broadcaster's limits, and the identity's open streams against its limit, before
   * anything is registered: a refused client is not subscribed to anything. This is transport SPI: the handshake
   * calls it with the request's {@code topic} query parameters and the application's authorization decision.
   *
   * @param subscription where the client resumes, its topics and its identity
   * @return the new client's channel, already registered
   * @throws InvalidTopicException if a topic is not well formed, or the topics are over a limit
   * @throws TooManyStreamsException if the identity already has its maximum of streams open
   * @throws IllegalStateException if the broadcaster is closed
   * @throws TooManyClientsException if the broadcaster already has its configured maximum of clients
   */
  SseChannel register(Subscription subscription);

  /**
   * Sends an event to every client, without waiting for any of them.
   *
   * <p>The event is encoded once; its bytes are shared by every client's queue. A client whose queue is full is
   * handled by its overflow policy at once.
   *
   * <p>A clustered broadcaster only publishes the event to its backplane and returns 0: the event reaches clients,
   * on every node, when the backplane delivers it back. It fails fast while the backplane is unreachable; an event
   * whose publication fails later is logged and counted in {@link BroadcasterStats#publishFailures()}, and
   * {@link #broadcastPaced(Event)} is the way to learn of it.
   *
   * @param event the event to send
   * @return how many clients queued the event; 0 on a clustered broadcaster
   * @throws IllegalStateException if the broadcaster is closed
   * @throws IllegalArgumentException if the event is larger than the configured maximum event size, or, on a
   *     clustered broadcaster, carries an id of its own (the backplane gives every event its id)
   * @throws BackplaneUnavailableException if the broadcaster is clustered and its backplane is unreachable
   */
  int broadcast(Event event);

  /**
   * Sends an event to the clients subscribed to one topic, without waiting for any of them.
   *
   * @param topic the topic's name (not a pattern)
   * @param event the event to send
   * @return how many clients queued the event; 0 on a clustered broadcaster
   * @throws InvalidTopicException if {@code topic} is not a name, or is longer than the broadcaster's limit
   * @throws IllegalStateException if the broadcaster is closed
   * @throws IllegalArgumentException if the event is larger than the configured maximum event size
   * @throws UnsupportedOperationException if the broadcaster is clustered on a backplane that cannot carry topics
   * @see #publish(Collection, Event)
   */
  default int publish(String topic, Event event) {
    return publish(List.of(topic), event);
  }

  /**
   * Sends an event to the clients subscribed to any of these topics, once to each, without waiting for any of them.
   *
   * <p>The event is encoded once and offered, as a broadcast is, to each client whose subscription matches one of
   * the topics (by name or by pattern), and to no other: a client subscribed to several of them gets it once. A
   * client whose queue is full is handled by its overflow policy at once. The event takes an id and enters the
   * replay history as a broadcast does, with its topics, so a client of these topics that reconnects gets it in its
   * replay, and no other client does. A topic with no subscriber costs nothing but the history's entry.
   *
   * <p>A clustered broadcaster publishes the event with its topics to the backplane and returns 0, as
   * {@link #broadcast(Event)} does; every node delivers it to its own subscribers of the topics.
   *
   * @param topics the topics' names (not patterns), at least one; duplicates count once
   * @param event the event to send
   * @return how many clients queued the event
   * @throws InvalidTopicException if a topic is not a name, or is longer than the broadcaster's limit, or there is
   *     none
   * @throws IllegalStateException if the broadcaster is closed
   * @throws IllegalArgumentException if the event is larger than the configured maximum event size
   * @throws UnsupportedOperationException if the broadcaster is clustered on a backplane that cannot carry topics
   * @throws BackplaneUnavailableException if the broadcaster is clustered and its backplane is unreachable
   */
  int publish(Collection<String> topics, Event event);

  /**
   * Sends an event to every open stream of one identity (a user's tabs and devices), and to no other, without
   * waiting for any of them.
   *
   * <p>It is delivered as a publish to a topic that only that identity's streams hear: encoded once, given an id,
   * and kept in the replay history, so a stream of that identity that reconnects gets it in its replay, and no
   * other stream ever does (no topic pattern matches an identity). The identity is the one the application's
   * authorization decision gave the stream.
   *
   * <p>A clustered broadcaster publishes the event with the identity to the backplane and returns 0; every node
   * delivers it to that identity's streams among its own clients.
   *
   * @param identity who to send to
   * @param event the event to send
   * @return how many streams queued it: 0 if the identity has none open (it is kept for replay all the same), and
   *     on a clustered broadcaster
   * @throws IllegalStateException if the broadcaster is closed
   * @throws IllegalArgumentException if {@code identity} is empty, or the event is larger than the configured
   *     maximum event size
   * @throws UnsupportedOperationException if the broadcaster is clustered on a backplane that cannot carry
   *     identities
   * @throws BackplaneUnavailableException if the broadcaster is clustered and its backplane is unreachable
   */
  int sendTo(String identity, Event event);

  /**
   * Adds topics to an open stream, without a reconnect: from now on the client also gets what is published to them.
   *
   * <p>The change is atomic with respect to publishes: an event published to a joined topic reaches the client if
   * and only if it is published after the join (a joined topic starts at the join; nothing of it is replayed), and
   * the topics the client already had go on as before, with nothing lost or repeated. Joining a topic the client
   * has already does nothing. The topics are checked, with the client's current ones, against the broadcaster's
   * limits before any is added: a refused join changes nothing.
   *
   * <p>Joined topics belong to this stream only: a browser that reconnects asks again for the topics of its URL,
   * so an application that joins clients to topics joins a reconnected client again (where it learns of new clients
   * with their {@code Sender}).
   *
   * @param client the client's sender, as given to the application when it subscribed
   * @param topics names and patterns to add
   * @return whether the client is still subscribed (a client whose stream has ended is not changed)
   * @throws InvalidTopicException if a topic is not well formed, or the client would have too many
   * @throws IllegalArgumentException if {@code client} is not a client of this broadcaster
   */
  boolean join(Sender client, Collection<String> topics);

  /**
   * Removes topics from an open stream, without a reconnect: from now on nothing published to them reaches the
   * client through them (a pattern it keeps may still match). Topics the client does not have are ignored; the
   * change is atomic with respect to publishes, as for {@link #join}.
   *
   * @param client the client's sender
   * @param topics names and patterns to remove, spelled as they were subscribed
   * @return whether the client is still subscribed
   * @throws IllegalArgumentException if {@code client} is not a client of this broadcaster
   */
  boolean leave(Sender client, Collection<String> topics);

  /**
   * Returns how many clients a publish to this topic would reach now: those subscribed to its name, and to a
   * pattern that matches it. It counts them, so it costs what a publish to the topic would, without the event.
   *
   * @param topic a topic's name (not a pattern)
   * @return the number of open streams that hear the topic
   * @throws InvalidTopicException if {@code topic} is not a name, or is longer than the broadcaster's limit
   */
  int subscriberCount(String topic);

  /**
   * Returns the topics (names and patterns) an open stream has now.
   *
   * @param client the client's sender
   * @return an immutable set in the order they were added; empty for a client with no topic or whose stream ended
   * @throws IllegalArgumentException if {@code client} is not a client of this broadcaster
   */
  Set<String> topics(Sender client);

  /**
   * Sends an event to every client, paced by the slowest one.
   *
   * <p>The stage completes when every client has queued the event with no more than its pacing watermark queued
   * (a setting of the broadcaster's channels, {@code ChannelConfig.pacingWatermark}, well below the queue's
   * capacity by default): a client that holds the watermark or more gets the event queued if it has room, and the
   * stage waits for that client to read down to the watermark. A producer that awaits each stage before its next
   * broadcast therefore runs exactly as fast as its clients read, each client carrying a short queue, while a
   * burst from {@link #broadcast(Event)} still has the whole queue; no client that keeps up is ever dropped. A
   * client that holds the stage for longer than the configured slow-client grace lets it complete: one whose queue
   * is full gets its overflow policy then, and one with room left keeps the event and paces no paced broadcast
   * until it is back under the watermark (its overflow policy applies if its queue fills meanwhile). So one
   * stalled client delays the producer by at most that grace, not by a grace per event.
   *
   * <p>On a clustered broadcaster the stage completes when the event has been handed to the log and the paced event
   * this node published {@code pacingWatermark - 1} places before it (the channels' setting; with 1, the event itself),
   * and so every one before that, is in the log and has been offered by every live node of the cluster to its own
   * clients in the same way (each client queued it, or got its overflow policy after the grace). A producer that awaits
   * it runs as fast as the cluster's readers, with at most {@code pacingWatermark} paced events in flight (not yet in
   * the log, or not yet offered everywhere) instead of a round trip to the log and every node per event, and no client
   * that keeps up is cut on any node. An event handed over gets into the log once (if the log keeps what it
   * acknowledged through a restart): the backplane sends it again after a lost answer or an outage until it lands
   * (Herald's Redis backplane does, for {@code RedisBackplane.Builder.idempotencyWindow}; a backplane that cannot makes
   * each stage wait for its own event's acknowledgement as well). If the backplane gives up on one (the log refused it,
   * or it did not land in time), the one stage that waits for it fails with that failure: the stage of the paced
   * broadcast {@code pacingWatermark - 1} places after it on this node, whose own event was handed over all the same;
   * with no such broadcast, the backplane logs it. When the log becomes unreachable, the stages waiting for events not
   * yet in it complete, and the producer's next broadcasts fail at once until it is back.
   * The live nodes are this one and every other one its backplane has heard from lately: a node that joins is
   * waited for once it is heard from, one that closes is not, and one that dies or is cut off is excluded after the
   * backplane's node timeout, which is also the longest one stalled node holds the producer back (see the
   * backplane's documentation, such as {@code RedisBackplane.awaitOffered}). The stage fails with
   * {@link BackplaneUnavailableException} when the event could not be handed to the log, or for the earlier event it
   * reports. A backplane that cannot tell how far the other nodes got completes it when it has acknowledged the
   * event.
   *
   * @param event the event to send
   * @return a stage that completes when every current client has queued the event or been dealt with; on a
   *     clustered broadcaster, when the window of paced events in flight lets the producer go on
   * @throws IllegalStateException if the broadcaster is closed
   * @throws IllegalArgumentException if the event is larger than the configured maximum event size, or, on a
   *     clustered broadcaster, carries an id of its own
   */
  CompletionStage<Void> broadcastPaced(Event event);

  /**
   * Sends an event to every client as {@link #broadcastPaced(Event)} does, at most once per idempotency key: a
   * second call with a key already seen sends nothing and completes as the first call did.
   *
   * <p>This is what a producer's retry needs. A producer that published and got no answer (a timeout, a load
   * balancer's {@code 502} because the node died) cannot tell whether the event went out; retried under the same
   * key, it goes out once either way. On a clustered broadcaster the key is checked by the backplane, atomically
   * with the append to its log, so a retry that lands on another node is recognised too (Redis keeps each key for
   * {@code RedisBackplane.Builder.idempotencyWindow}). On one node the broadcaster remembers the last 10,000 keys
   * for 5 minutes; an older key counts as new. On a cluster its stage also waits for its own event's
   * acknowledgement by the log, which {@link #broadcastPaced(Event)}'s does not, and fails if the log refuses it or
   * becomes unreachable first (the event may then have got in or not: a retry under the key sends it once).
   *
   * <p>A call that failed (the backplane was unreachable, the broadcaster closed) is not remembered, so its retry
   * is tried afresh; on a cluster its retry is still recognised if the failed call did reach the log.
   *
   * <p><b>Threading.</b> Safe from any thread; it never blocks. Two calls with the same key at the same time send
   * the event once; on one node both stages complete together.
   *
   * <p>The default implementation refuses: Herald's broadcasters implement it.
   *
   * @param idempotencyKey the producer's name for this event, 1 to 200 characters, none of them a control
   *     character; the same event retried must carry the same key, and different events different keys
   * @param event the event to send
   * @return a stage as {@link #broadcastPaced(Event)}'s, or, for a key already seen, the first call's
   * @throws IllegalStateException if the broadcaster is closed
   * @throws IllegalArgumentException if the key is empty, too long or has a control character, or for the reasons
   *     {@link #broadcastPaced(Event)} gives
   * @throws UnsupportedOperationException if this broadcaster cannot recognise repeats (a clustered broadcaster
   *     whose backplane cannot fails the stage with it instead)
   */
  default CompletionStage<Void> broadcastOnce(String idempotencyKey, Event event) {
    throw new UnsupportedOperationException(getClass().getName() + " does not deduplicate broadcasts");
  }

  /**
   * Returns this broadcaster's name, which tells it apart from the application's other broadcasters in metrics and
   * health reports (Herald's broadcasters take it from their configuration).
   *
   * @return the name; {@code default} unless one was given
   */
  default String name() {
    return "default";
  }

  /**
   * Returns how many clients are connected now.
   *
   * @return the number of open client streams
   */
  int clientCount();

  /**
   * Tells whether a client that subscribed now would be refused for the client limit, so that a transport can
   * answer a {@code HEAD} request as it would answer a {@code GET}, without subscribing anyone.
   *
   * @return {@code true} if the broadcaster has its configured maximum of clients
   */
  boolean isFull();

  /**
   * Returns a snapshot of this broadcaster's counters.
   *
   * @return the counters as they are now
   */
  BroadcasterStats stats();

  /**
   * Tells whether {@link #close()} has been called.
   *
   * @return {@code true} once the broadcaster is closed
   */
  boolean isClosed();

  /**
   * Ends every client's stream with {@link CloseReason#SERVER_CLOSED} (each transport writes what is queued and
   * completes its response) and refuses new clients and broadcasts. Closing twice does nothing.
   */
  @Override
  void close();

  /**
   * Closes this broadcaster as {@link #close()} does, and returns a stage that completes once every stream it had
   * has ended: each transport wrote what was queued and the end of its response, or the connection was gone. A
   * client that does not read the end is cut after its transport's close grace (5 s by default), so the stage
   * completes within about that grace of the call.
   *
   * <p>A host that stops calls this first and waits for the stage (with its own bound), then stops its server:
   * <pre>{@code
   * broadcaster.shutdown().toCompletableFuture().get(10, TimeUnit.SECONDS);
   * server.stop();
   * }</pre>
   * To end a broadcaster's streams and single-client streams with one call, see {@code StreamGroup} in
   * {@code sse-core}.
   *
   * <p>Calling it again, or after {@link #close()}, returns the same stage. The stage never completes
   * exceptionally. It is completed on a thread of its own, never on a transport's event loop or a container's
   * thread, so what the application chains on it may block.
   *
   * @return a stage that completes when every stream of this broadcaster has ended
   */
  CompletionStage<Void> shutdown();
}
