package dev.herald.sse;

/**
 * A snapshot of a {@link Broadcaster}'s counters. Gauges describe the moment of the snapshot; counters are totals
 * since the broadcaster was made.
 *
 * <p>The last four components describe a clustered broadcaster's backplane (the shared log its nodes exchange
 * events through); a single-node broadcaster reports {@code false}, 0, 0 and 0.
 *
 * @param clients clients connected now (gauge)
 * @param clientsConnected clients that ever subscribed (counter)
 * @param eventsBroadcast events broadcast, paced or not; on a clustered broadcaster, events this node delivered
 *     from the backplane, whichever node published them (counter)
 * @param framesQueued frames accepted into client queues, broadcasts, replays and heartbeats alike (counter)
 * @param framesPending frames in client queues now, not yet taken by a transport (gauge)
 * @param bytesPending bytes in client queues now (gauge)
 * @param framesDropped frames a client did not get because its queue was full (counter)
 * @param slowClientsDisconnected clients disconnected because they read too slowly (counter)
 * @param replayHits reconnecting clients whose {@code Last-Event-ID} was found in the history (counter)
 * @param replayMisses reconnecting clients whose {@code Last-Event-ID} was not in the history (counter)
 * @param heartbeatsSent heartbeat comments queued to idle clients (counter)
 * @param backplaneDown whether the backplane is unreachable now (gauge)
 * @param backplaneOutages how many times the backplane became unreachable (counter)
 * @param publishFailures broadcasts that failed because the backplane was unreachable (counter)
 * @param backplaneGaps gaps in the backplane's log: times this node found that entries it had not delivered yet
 *     were gone from the log (trimmed while it fell behind), so its clients missed events and were told through
 *     the replay-miss handler (counter)
 * @param topics topics and topic patterns with at least one subscriber now, each counted once however many clients
 *     have it ({@code rooms/7} and {@code rooms/*} are two); identities are not topics, and a topic nobody has
 *     holds nothing and is not counted (gauge)
 */
public record BroadcasterStats(
    int clients,
    long clientsConnected,
    long eventsBroadcast,
    long framesQueued,
    long framesPending,
    long bytesPending,
    long framesDropped,
    long slowClientsDisconnected,
    long replayHits,
    long replayMisses,
    long heartbeatsSent,
    boolean backplaneDown,
    long backplaneOutages,
    long publishFailures,
    long backplaneGaps,
    int topics) {

  /**
   * Makes a snapshot with no topics, for a broadcaster that has none (or a test double that does not count them).
   *
   * @param clients clients connected now
   * @param clientsConnected clients that ever subscribed
   * @param eventsBroadcast events broadcast
   * @param framesQueued frames accepted into client queues
   * @param framesPending frames in client queues now
   * @param bytesPending bytes in client queues now
   * @param framesDropped frames a client did not get because its queue was full
   * @param slowClientsDisconnected clients disconnected because they read too slowly
   * @param replayHits reconnecting clients whose {@code Last-Event-ID} was found in the history
   * @param replayMisses reconnecting clients whose {@code Last-Event-ID} was not in the history
   * @param heartbeatsSent heartbeat comments queued to idle clients
   * @param backplaneDown whether the backplane is unreachable now
   * @param backplaneOutages how many times the backplane became unreachable
   * @param publishFailures broadcasts that failed because the backplane was unreachable
   * @param backplaneGaps gaps found in the backplane's log
   */
  public BroadcasterStats(int clients, long clientsConnected, long eventsBroadcast, long framesQueued,
      long framesPending, long bytesPending, long framesDropped, long slowClientsDisconnected, long replayHits,
      long replayMisses, long heartbeatsSent, boolean backplaneDown, long backplaneOutages, long publishFailures,
      long backplaneGaps) {
    this(clients, clientsConnected, eventsBroadcast, framesQueued, framesPending, bytesPending, framesDropped,
        slowClientsDisconnected, replayHits, replayMisses, heartbeatsSent, backplaneDown, backplaneOutages,
        publishFailures, backplaneGaps, 0);
  }
}
