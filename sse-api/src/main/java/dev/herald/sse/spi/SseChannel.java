package dev.herald.sse.spi;

import dev.herald.sse.CloseReason;
import dev.herald.sse.Sender;
import org.jspecify.annotations.Nullable;

/**
 * The transport's end of one client's stream: a bounded queue of {@link Frame}s that producers fill and one
 * transport drains to the socket.
 *
 * <p>A transport serves a channel like this:
 *
 * <ol>
 *   <li>send the response headers, then call {@link #start(Runnable)} with a callback that schedules a drain on
 *       the connection's own thread, and schedule the first drain;
 *   <li>a drain takes frames with {@link #poll()} and writes them while the socket accepts more, then flushes
 *       once. When {@code poll()} returns {@code null} the channel is idle and calls the callback again as soon as
 *       a frame arrives; a drain that stops because the socket is full does not poll again, and resumes when the
 *       socket is writable again;
 *   <li>when a drain finds {@code poll()} returning {@code null} and {@link #isClosed()} true, the stream is over:
 *       complete the response (or close the connection);
 *   <li>when the connection ends or a write fails, call {@link #close(CloseReason)} with
 *       {@link CloseReason#CLIENT_GONE} or {@link CloseReason#ERROR};
 *   <li>once the transport is done with the stream, whichever way it ended (the end of the response was written,
 *       or the connection is gone or cut), call {@link #ended()}: a server shutting down waits for that before it
 *       lets its host close connections.
 * </ol>
 *
 * <pre>{@code
 * channel.start(() -> eventLoop.execute(this::drain));
 * eventLoop.execute(this::drain);
 *
 * void drain() {
 *   Frame frame;
 *   while (socket.isWritable() && (frame = channel.poll()) != null) {
 *     socket.write(frame.buffer());
 *   }
 *   socket.flush();
 *   if (channel.isClosed() && !channel.hasPending()) {
 *     socket.endResponse();
 *   }
 * }
 * }</pre>
 *
 * <p><b>Threading.</b> Producers (the application, the broadcaster, the heartbeat) fill the channel from any
 * thread. {@link #poll()} and {@link #hasPending()} belong to one consumer at a time: the transport, on the
 * connection's thread. The callback given to {@link #start(Runnable)} may run on any thread, so it must only hand
 * the drain to the connection's thread, never drain in place. {@link #close(CloseReason)} may be called from any
 * thread.
 *
 * <p><b>Ownership.</b> The channel holds no connection and no I/O resource. When it closes with
 * {@link CloseReason#SERVER_CLOSED} the frames queued before the close are still handed out by {@code poll()},
 * so the transport can end the stream cleanly; for every other reason the queue is emptied at once.
 */
public interface SseChannel {

  /**
   * Returns the {@code Last-Event-ID} the client sent when it connected.
   *
   * @return the id of the last event the client saw, or {@code null} if it sent none
   */
  @Nullable String lastEventId();

  /**
   * Returns the application's handle on this client.
   *
   * @return the sender that writes into this channel
   */
  Sender sender();

  /**
   * Binds the transport: from now on the channel calls {@code onReady} when frames arrive while the consumer is
   * idle (after {@link #poll()} returned {@code null}) and once when the channel closes.
   *
   * <p>The channel does not call {@code onReady} for frames queued before this call: the transport drains once
   * right after starting.
   *
   * @param onReady schedules a drain on the connection's thread; called from any thread; must not block
   * @throws IllegalStateException if the channel was already started
   */
  void start(Runnable onReady);

  /**
   * Takes the next frame to write, consumer only.
   *
   * <p>Returning {@code null} marks the consumer idle: the next frame to arrive calls the {@code onReady}
   * callback.
   *
   * @return the oldest queued frame, or {@code null} if none is queued
   */
  @Nullable Frame poll();

  /**
   * Takes the next frames to write, in order, into {@code frames} from index 0: at least one if any is queued, and
   * more while the array has room and the bytes taken are below {@code maxBytes}; consumer only.
   *
   * <p>A transport that writes several frames at once (one chunk, one system call) takes them with this rather
   * than with {@link #poll()} frame by frame, and the channel then does its bookkeeping (the queue's counts, the
   * paced producers it may release) once per batch rather than once per frame. Taking none marks the consumer idle,
   * as {@code poll()} returning {@code null} does; a batch that empties the queue may mark it idle too, which costs
   * at most one needless call of the {@code onReady} callback.
   *
   * <p>The default takes the frames with {@link #poll()}.
   *
   * @param frames where the frames go; the caller owns the array and clears it when done with the frames
   * @param maxBytes the bytes after which no further frame is taken (the last frame taken may pass it)
   * @return how many frames were taken, {@code 0} if none was queued
   */
  default int poll(Frame[] frames, long maxBytes) {
    int count = 0;
    long bytes = 0;
    Frame frame;
    while (count < frames.length && (count == 0 || bytes < maxBytes) && (frame = poll()) != null) {
      frames[count++] = frame;
      bytes += frame.length();
    }
    return count;
  }

  /**
   * Tells whether frames are queued, without taking one or marking the consumer idle; consumer only.
   *
   * @return {@code true} if {@link #poll()} would return a frame now
   */
  boolean hasPending();

  /**
   * Tells whether the channel is closed. A closed channel accepts no frames, but may still hand out frames that
   * were queued before a {@link CloseReason#SERVER_CLOSED} close.
   *
   * @return {@code true} once the channel is closed
   */
  boolean isClosed();

  /**
   * Returns why the channel closed.
   *
   * @return the reason, or {@code null} while the channel is open
   */
  @Nullable CloseReason closeReason();

  /**
   * Closes the channel, for a transport that saw its connection end or fail. Only the first close counts; the
   * channel's close listeners run once, with its reason, and its broadcaster forgets the client at once.
   *
   * @param reason why the stream ended, normally {@link CloseReason#CLIENT_GONE} or {@link CloseReason#ERROR}
   */
  void close(CloseReason reason);

  /**
   * Tells the channel that the transport is done with the stream: after the channel closed, the end of the
   * response was written (for HTTP/1.1 chunked encoding, the last chunk), or the connection is gone, failed or was
   * cut after the close grace. Called once on every stream a transport started, from any thread; later calls do
   * nothing.
   *
   * <p>This is what {@link dev.herald.sse.Broadcaster#shutdown()} waits for, so that a host stops its server only
   * once every stream has ended cleanly. Closing with {@link CloseReason#CLIENT_GONE} implies it.
   */
  void ended();
}
