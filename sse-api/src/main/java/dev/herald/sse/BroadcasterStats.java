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
    long backplaneGaps) {}
