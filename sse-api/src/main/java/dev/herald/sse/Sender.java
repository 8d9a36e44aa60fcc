package dev.herald.sse;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One client's event stream, as the application writes to it.
 *
 * <p>Events go into the client's bounded queue and a transport writes them to the socket as fast as the client
 * reads. {@link #send(Event)} paces a producer by its reader without blocking a thread: its stage completes when
 * the event is queued with at most a few dozen events ahead of it, which is later when the client is behind.
 * {@link #trySend(Event)} is for callers that would rather drop an event than wait.
 *
 * <pre>{@code
 * sender.send(Data.of("connected"));
 * for (String line : lines) {
 *   sender.send(Data.of(line)).toCompletableFuture().join(); // paced by the client, never ahead of it
 * }
 * sender.close();
 * }</pre>
 *
 * <p><b>Threading.</b> Every method may be called from any thread, concurrently. Events sent by one thread reach
 * the client in the order that thread sent them. Stages complete, and {@link #onClose} listeners run, on whichever
 * thread frees room or closes the stream, often a transport's I/O thread: keep that work short, or continue on
 * your own executor with the {@code …Async} methods of {@link CompletionStage}.
 *
 * <p><b>Ownership.</b> The transport owns the connection. It closes the sender when the client goes away; the
 * application closes it to end the stream, after which the transport writes what is queued and completes the
 * response.
 */
public interface Sender extends AutoCloseable {

  /**
   * Queues an event for this client.
   *
   * <p>The stage completes when the event is queued with no more than the channel's pacing watermark queued (by
   * default 64 events, or the queue's capacity if smaller; {@code ChannelConfig.pacingWatermark}). When the client
   * holds the watermark or more the event is queued if there is room, and the stage completes later, once the
   * client has read down to the watermark (or, if the queue was full, once it has room and then has read down to
   * it), so a producer that awaits each stage never runs far ahead of its reader and never loses an event.
   * {@link #trySend(Event)} still has the whole queue. There is no grace here: a producer awaiting a stalled
   * client waits until it reads or goes. Once the stream has ended it completes exceptionally with
   * {@link ClientGoneException}. Sends that have not yet been queued are bounded by the queue's event capacity; a
   * send beyond that bound completes exceptionally with {@link IllegalStateException}: await the stages rather than
   * firing unboundedly.
   *
   * @param event the event to send
   * @return a stage that completes when the event is queued and the client is down to the pacing watermark
   * @throws IllegalArgumentException if the event is larger than the configured maximum event size
   */
  CompletionStage<Void> send(Event event);

  /**
   * Queues an event if there is room now, without waiting.
   *
   * @param event the event to send
   * @return {@code true} if it was queued; {@code false} if the queue was full or the stream has ended
   * @throws IllegalArgumentException if the event is larger than the configured maximum event size
   */
  boolean trySend(Event event);

  /**
   * Tells whether the stream is still open.
   *
   * @return {@code true} until the stream ends for any {@link CloseReason}
   */
  boolean isOpen();

  /**
   * Returns the {@code Last-Event-ID} the client sent when it connected.
   *
   * @return the id of the last event the client saw, or {@code null} if it sent none
   */
  @Nullable String lastEventId();

  /**
   * Registers a listener called once, with the reason, when the stream ends.
   *
   * <p>If the stream has already ended, the listener runs at once on the calling thread. An exception a listener
   * throws is logged and does not affect other listeners.
   *
   * @param listener called exactly once with the reason the stream ended
   */
  void onClose(Consumer<CloseReason> listener);

  /**
   * Ends the stream with {@link CloseReason#SERVER_CLOSED}: the transport writes what is already queued, then
   * completes the response. Pending {@link #send(Event)} stages fail with {@link ClientGoneException}. Closing an
   * ended stream does nothing.
   */
  @Override
  void close();
}
