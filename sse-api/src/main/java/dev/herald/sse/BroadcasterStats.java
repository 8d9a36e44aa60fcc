package dev.herald.sse;

/**
 * A snapshot of a {@link Broadcaster}'s counters. Gauges describe the moment of the snapshot; counters are totals
 * since the broadcaster was made.
 *
 * @param clients clients connected now (gauge)
 * @param clientsConnected clients that ever subscribed (counter)
 * @param eventsBroadcast events broadcast, paced or not (counter)
 * @param framesQueued frames accepted into client queues, broadcasts, replays and heartbeats alike (counter)
 * @param framesPending frames in client queues now, not yet taken by a transport (gauge)
 * @param bytesPending bytes in client queues now (gauge)
 * @param framesDropped frames a client did not get because its queue was full (counter)
 * @param slowClientsDisconnected clients disconnected because they read too slowly (counter)
 * @param replayHits reconnecting clients whose {@code Last-Event-ID} was found in the history (counter)
 * @param replayMisses reconnecting clients whose {@code Last-Event-ID} was not in the history (counter)
 * @param heartbeatsSent heartbeat comments queued to idle clients (counter)
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
    long heartbeatsSent) {}
