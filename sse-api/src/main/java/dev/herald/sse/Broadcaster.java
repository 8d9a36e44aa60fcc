package dev.herald.sse;

import dev.herald.sse.spi.SseChannel;
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
   * Registers a new client and returns the channel its transport serves.
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
  SseChannel subscribe(@Nullable String lastEventId);

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
   * Sends an event to every client, paced by the slowest one.
   *
   * <p>The stage completes when every client has queued the event. A client whose queue stays full for longer
   * than the configured slow-client grace gets its overflow policy then, so one stalled client delays the
   * producer by at most that grace. A producer that awaits each stage before its next broadcast therefore runs
   * exactly as fast as its clients read, and no client that keeps up is ever dropped.
   *
   * <p>On a clustered broadcaster the stage completes when the backplane has acknowledged the event (from then
   * on every node delivers it, even across a restart of the backplane if it persists its log), or fails with
   * {@link BackplaneUnavailableException} when it could not be published; it does not wait for clients, whose
   * pace a node cannot see across the cluster.
   *
   * @param event the event to send
   * @return a stage that completes when every current client has queued the event or been dealt with; on a
   *     clustered broadcaster, when the backplane has acknowledged it
   * @throws IllegalStateException if the broadcaster is closed
   * @throws IllegalArgumentException if the event is larger than the configured maximum event size, or, on a
   *     clustered broadcaster, carries an id of its own
   */
  CompletionStage<Void> broadcastPaced(Event event);

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
