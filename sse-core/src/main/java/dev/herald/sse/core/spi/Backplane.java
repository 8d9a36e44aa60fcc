package dev.herald.sse.core.spi;

import dev.herald.sse.BackplaneUnavailableException;
import dev.herald.sse.Event;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A shared, ordered log of events that several broadcasters (one per server) publish to and read from, so that a
 * broadcast on any server reaches the clients of every server, and a client that reconnects to another server
 * resumes from its {@code Last-Event-ID} there.
 *
 * <p>Configure one with {@code BroadcasterConfig.builder().backplane(...)}. The broadcaster then
 * {@linkplain #publish publishes} what the application broadcasts and does nothing else with it; the backplane
 * {@linkplain #start delivers} every entry of the log, this node's and the others', back to the broadcaster, which
 * encodes it once and fans it out to its own clients, keeping its local replay history. When a client's
 * {@code Last-Event-ID} is older than that history (or from an entry this node has not delivered yet), the
 * broadcaster asks the log itself through {@link #replay}. Ids are the log's: totally ordered across the cluster
 * ({@link #idOrder()}), which is how a client that moves between nodes that are a little ahead of or behind each
 * other gets no gap and no duplicate.
 *
 * <p>Entries carry their address: a broadcast's reaches every client of every node, a publish's only the
 * subscribers of its topics, a send's only the streams of its identity, on whichever node they are connected; a
 * replay read from the log is filtered the same way.
 *
 * <p>Without a backplane a broadcaster runs on one node, in memory, exactly as before: this interface costs nothing
 * when unused. {@code sse-redis} has the implementation on Redis Streams.
 *
 * <p><b>Threading.</b> {@link #publish}, {@link #replay}, {@link #isUp()} and {@link #outages()} may be called from
 * any thread at any time and must not block. The {@code deliver} callback is called from one thread at a time, in
 * log order, and may take the broadcaster's lock (briefly: it never waits on I/O); the stages' callbacks may run on
 * the backplane's own threads.
 *
 * <p><b>Ownership.</b> A backplane serves one broadcaster: the broadcaster calls {@link #start} once when it is
 * made and {@link #close()} when it closes.
 */
public interface Backplane extends AutoCloseable {

  /**
   * Starts reading the log and delivering its entries, from the end the log has now onward, and keeps doing so
   * through outages: after a reconnect it resumes after the last entry it delivered, so nothing still in the log
   * is skipped.
   *
   * <p>A log that trims itself may lose entries that this node has not delivered yet (when the node falls behind
   * by more than the log keeps, or the log lost data in an outage). A backplane that can tell marks the next entry
   * it delivers with {@link BackplaneEntry#gapAfter()}, never skipping silently; the broadcaster counts the gap
   * ({@code BroadcasterStats.backplaneGaps}) and hands each of its clients to its replay-miss handler. The
   * backplane logs the gap itself, once, with what it knows of it.
   *
   * @param history how many events the broadcaster keeps for replay (its configured history); a log that trims
   *     itself keeps at least this many
   * @param deliver takes each entry, in log order, one at a time
   * @throws IllegalStateException if already started
   */
  void start(int history, Consumer<BackplaneEntry> deliver);

  /**
   * Appends an event to the log. Returns at once.
   *
   * @param event the event, without an id (the log gives it one)
   * @return a stage that completes with the entry's id once the log has it, or fails with
   *     {@link BackplaneUnavailableException}; already failed when the log is known to be unreachable
   */
  CompletionStage<String> publish(Event event);

  /**
   * Appends an event to the log once per idempotency key: if an entry was appended under this key within the
   * backplane's window, by any node, appends nothing and completes with that entry's id. The check and the append
   * must be one atomic step in the log, so that two nodes given the same key at once append one entry. This is
   * {@code Broadcaster.broadcastOnce} on a cluster. Returns at once.
   *
   * <p>The default implementation cannot tell: it returns a stage failed with
   * {@link UnsupportedOperationException}, and appends nothing.
   *
   * @param event the event, without an id
   * @param idempotencyKey 1 to 200 characters, none a control character (the broadcaster checked it)
   * @return a stage with the id of the entry, the new one or the one appended first under this key; failed as
   *     {@link #publish(Event)}'s
   */
  default CompletionStage<String> publish(Event event, String idempotencyKey) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException(
        getClass().getName() + " does not deduplicate publishes"));
  }

  /**
   * Appends an event addressed to topics or to one identity to the log. Returns at once. Every node delivers it
   * back as an entry with these {@linkplain BackplaneEntry#topics() topics} or this
   * {@linkplain BackplaneEntry#identity() identity}, and routes it to its own clients that hear it.
   *
   * <p>The default carries no address: it publishes a broadcast as {@link #publish(Event)} does, and refuses
   * anything else, so a backplane that predates topics makes a clustered broadcaster's {@code publish} and
   * {@code sendTo} throw rather than reach every client.
   *
   * @param event the event, without an id (the log gives it one)
   * @param topics the topic names it is published to, or none
   * @param identity the identity it is sent to, or {@code null}; never together with topics
   * @return a stage as {@link #publish(Event)}'s
   * @throws UnsupportedOperationException if this backplane cannot carry topics and identities, and some are given
   */
  default CompletionStage<String> publish(Event event, List<String> topics, @Nullable String identity) {
    if (topics.isEmpty() && identity == null) {
      return publish(event);
    }
    throw new UnsupportedOperationException("a clustered broadcaster cannot publish to topics or identities on "
        + getClass().getName() + ", which does not carry them");
  }

  /**
   * Appends a broadcast whose producer waits for every node's clients: each node offers the entry to its clients
   * paced (see {@link BackplaneEntry#paced()}), and {@link #offered} tells how far it got. Returns at once.
   *
   * <p>The default publishes it as {@link #publish(Event)} does: a backplane that cannot tell how far the other nodes
   * got paces a producer by the log's acknowledgement only.
   *
   * @param event the event, without an id (the log gives it one)
   * @return a stage as {@link #publish(Event)}'s
   */
  default CompletionStage<String> publishPaced(Event event) {
    return publish(event);
  }

  /**
   * Tells whether this backplane keeps retrying a paced append ({@link #publishPaced(Event)} and
   * {@link #publishPaced(Event, String)}) that was handed over (its stage not already failed) until the log has it
   * exactly once, failing its stage only when it gives up on it, and logs each one it gives up on. The broadcaster
   * then lets a paced producer go on once its event is handed over, with the acknowledgements of its last
   * {@code pacingWatermark} events outstanding, instead of waiting for each event's own; a failure is reported on a
   * later paced broadcast's stage.
   *
   * <p>The default is {@code false}: each paced broadcast waits for its own append's acknowledgement.
   *
   * @return {@code true} if a paced append, once handed over, is retried until it lands exactly once
   */
  default boolean retriesPacedPublishes() {
    return false;
  }

  /**
   * Returns a stage that completes when the log next becomes unreachable, or at once if it is unreachable now. A
   * backplane that {@linkplain #retriesPacedPublishes() retries paced appends} returns the same stage for as long
   * as the log stays reachable: the broadcaster then lets the producers that wait for appends not landed yet go on,
   * as their next paced broadcasts fail at once while the log is away, and the appends land once it is back.
   *
   * <p>The default never completes.
   *
   * @return a stage that completes with the next outage
   */
  default CompletionStage<Void> nextOutage() {
    return new CompletableFuture<>();
  }

  /**
   * Appends a paced broadcast once per idempotency key: {@link #publish(Event, String)}'s check and append, of an
   * entry that every node offers paced as {@link #publishPaced(Event)}'s. This is {@code Broadcaster.broadcastOnce}
   * on a cluster. Returns at once.
   *
   * <p>The default appends it as {@link #publish(Event, String)} does, not paced, so the nodes do not report it: a
   * backplane whose {@link #awaitOffered} waits for them overrides this too.
   *
   * @param event the event, without an id
   * @param idempotencyKey 1 to 200 characters, none a control character (the broadcaster checked it)
   * @return a stage as {@link #publish(Event, String)}'s
   */
  default CompletionStage<String> publishPaced(Event event, String idempotencyKey) {
    return publish(event, idempotencyKey);
  }

  /**
   * Tells the backplane that this node has offered every entry up to this one to its clients (each queued it, or
   * got its overflow policy), so that it can tell the node that {@linkplain #awaitOffered waits} for it. The
   * broadcaster calls it once each {@linkplain BackplaneEntry#paced() paced} entry is offered, in log order. Must
   * not block.
   *
   * <p>The default does nothing.
   *
   * @param id the newest entry up to which every entry was offered
   */
  default void offered(String id) {}

  /**
   * Waits, without blocking, until every live node has offered the entry with this id to its clients. Which nodes
   * are live, and how long a node that stalls is waited for, is the backplane's to say.
   *
   * <p>The default completes at once.
   *
   * @param id the id of an entry this node published with {@link #publishPaced}
   * @return a stage that completes when every live node has passed the entry; it never fails
   */
  default CompletionStage<Void> awaitOffered(String id) {
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Reads one page of a replay: at most {@code max} entries after the one with this id, oldest first, from the log
   * itself. The broadcaster reads a long replay page after page, each from the last entry of the one before, and
   * asks for the next only once its client has taken the last, so no page may cost more than its entries.
   *
   * <p>A replay from an id that is not in the log must cost no read of the entries after it: check that the id is
   * there (a read of one entry at most) before reading the page. A client resuming from a stale or forged id must
   * not make the log read, or the node hold, more than that.
   *
   * @param afterId the id the client saw last, or the last entry of the page before
   * @param max the most entries to return, at least 1
   * @return a stage with the page, or {@code null} if that id is not in the log (trimmed, never there, or not an
   *     id at all); failed if the log is unreachable
   */
  CompletionStage<@Nullable ReplayPage> replay(String afterId, int max);

  /**
   * Returns the order of the log's ids, the order in which entries are delivered.
   *
   * @return a comparator that throws {@link IllegalArgumentException} for a string that is not one of the log's
   *     ids
   */
  Comparator<String> idOrder();

  /**
   * Tells whether the log is reachable now, as far as the backplane knows.
   *
   * @return {@code true} while connected
   */
  boolean isUp();

  /**
   * Returns how many times the log became unreachable since {@link #start}.
   *
   * @return the number of outages
   */
  long outages();

  /** Stops reading and closes the connections. Closing twice does nothing. */
  @Override
  void close();
}
