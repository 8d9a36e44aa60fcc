package dev.herald.sse.core;

/**
 * Told how long broadcast events waited between their broadcast and their write to a client's connection: the SPI
 * behind a delivery-delay metric (such as {@code herald.sse.delivery.delay} in {@code sse-micrometer}).
 *
 * <p>Set one with {@link BroadcasterConfig.Builder#deliveryObserver(DeliveryObserver)}. The delay is measured from
 * the moment the broadcaster recorded the event (on a clustered broadcaster, the moment this node took it from its
 * backplane) to the moment the client's transport took it from the client's queue to write it. Only live events
 * are measured, not the replay a reconnecting client gets, nor greetings, heartbeats or a client's own
 * {@code send}s; and only a sample of them: the first live event of each client and one in every
 * {@link #SAMPLE_INTERVAL} after it, so that the cost stays small under a fan-out to many clients.
 *
 * <p><b>Threading.</b> Called on the transports' threads (a Netty event loop, a servlet container's thread), for
 * many clients at once: an implementation must be thread-safe, fast, and must never block. An exception it throws
 * is logged and does not reach the transport. With no observer set, the engine measures nothing.
 */
@FunctionalInterface
public interface DeliveryObserver {

  /**
   * One in how many live events of each client is measured. At 64, a broadcast to 1,000 clients gives about 16
   * samples, plenty for a distribution, while the timer's cost per delivered event stays far below the rest of a
   * delivery (one in 8 cost about 3 % of a fan-out's CPU on a loaded server).
   */
  int SAMPLE_INTERVAL = 64;

  /**
   * Reports the delay of one event to one client.
   *
   * @param delayNanos nanoseconds from the broadcast to the transport taking the event to write, zero or more
   */
  void delivered(long delayNanos);
}
