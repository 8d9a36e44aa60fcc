package dev.herald.sse.core;

/**
 * Told when a topic gets its first subscriber and when its last one leaves, so an application can start and stop
 * what feeds a topic (a database listener, a poll of another service) only while someone watches it.
 *
 * <p>A topic here is a subscription exactly as clients spelled it: a name such as {@code rooms/7}, or a pattern
 * such as {@code rooms/*}, each with its own first join and last leave. Clients that subscribe when they connect,
 * {@linkplain dev.herald.sse.Broadcaster#join join} or {@linkplain dev.herald.sse.Broadcaster#leave leave} later,
 * or whose stream ends, all count. Set it with {@link BroadcasterConfig.Builder#onPresence(PresenceListener)}.
 *
 * <pre>{@code
 * BroadcasterConfig.builder().onPresence(new PresenceListener() {
 *   public void firstJoined(String topic) { feeds.start(topic); }
 *   public void lastLeft(String topic) { feeds.stop(topic); }
 * });
 * }</pre>
 *
 * <p><b>Threading.</b> Calls are made one at a time, in the order the changes happened (for one topic, joined
 * and left alternate), on the thread of a subscription, a join, a leave or a stream's end, holding no lock of
 * Herald's: keep them short, and do not block. An exception a call throws is logged and otherwise ignored.
 */
public interface PresenceListener {

  /**
   * Called when a topic, which had no subscriber, gets one.
   *
   * @param topic the name or pattern, as subscribed
   */
  default void firstJoined(String topic) {}

  /**
   * Called when the last subscriber of a topic leaves it.
   *
   * @param topic the name or pattern, as subscribed
   */
  default void lastLeft(String topic) {}
}
