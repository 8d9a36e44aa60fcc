package dev.herald.sse.core;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.core.internal.DefaultChannel;
import dev.herald.sse.spi.SseChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event streams of one application, ended together with one call when it stops: the single-client streams
 * opened with a {@link StreamConfig} that names this group, and the streams of the broadcasters it
 * {@linkplain #include(Broadcaster) includes}.
 *
 * <p>A server that stops must end its streams before its host closes the connections, or every client sees its
 * stream cut instead of ended (and an {@code EventSource} reconnects to a server that is going away). A host's
 * stop sequence therefore starts with {@link #shutdownAndAwait(Duration)} (or {@link #shutdown()} and waiting for
 * the stage), then stops the server:
 *
 * <pre>{@code
 * StreamGroup streams = StreamGroup.create().include(broadcaster);
 * StreamConfig config = StreamConfig.builder().group(streams).build();
 * ServletSse.stream(request, response, config, sender -> ...);   // a single-client stream joins the group
 *
 * // when the application stops, before the server closes its connections:
 * streams.shutdownAndAwait(Duration.ofSeconds(10));
 * server.stop();
 * }</pre>
 *
 * <p>Once shut down, the group refuses new single-client streams (the handshake answers {@code 503}), as a closed
 * broadcaster refuses new clients.
 *
 * <p><b>Threading and ownership.</b> Thread-safe. The application owns the group; streams join it as they open and
 * leave it as they end, so it holds only open streams. Shutting down closes every stream with
 * {@link CloseReason#SERVER_CLOSED} and every included broadcaster; each transport then writes what was queued and
 * the end of its response, and a client that does not read it is cut after the close grace
 * ({@link StreamConfig.Builder#closeGrace(Duration)}), so the shutdown completes within about that grace.
 */
public final class StreamGroup {
  private static final Logger log = LoggerFactory.getLogger(StreamGroup.class);

  private final ReentrantLock lock = new ReentrantLock();
  private final Set<DefaultChannel> streams = Collections.newSetFromMap(new IdentityHashMap<>()); // guarded
  private final List<Broadcaster> broadcasters = new ArrayList<>(2); // guarded by lock
  private @Nullable CompletableFuture<Void> ending; // guarded by lock; set once shut down

  private StreamGroup() {}

  /**
   * Makes an empty group.
   *
   * @return a new group, open
   */
  public static StreamGroup create() {
    return new StreamGroup();
  }

  /**
   * Adds a broadcaster, whose streams then end with the group's: {@link #shutdown()} shuts it down too and waits
   * for its streams. Including a broadcaster in a group that is already shut down shuts it down at once.
   *
   * @param broadcaster the broadcaster
   * @return this group
   */
  public StreamGroup include(Broadcaster broadcaster) {
    requireNonNull(broadcaster, "broadcaster");
    lock.lock();
    try {
      if (ending == null) {
        broadcasters.add(broadcaster);
        return this;
      }
    } finally {
      lock.unlock();
    }
    broadcaster.shutdown();
    return this;
  }

  /**
   * Returns how many single-client streams of this group are open (the included broadcasters' clients are not
   * counted: see {@link Broadcaster#clientCount()}).
   *
   * @return the number of open single-client streams
   */
  public int size() {
    lock.lock();
    try {
      return streams.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Tells whether {@link #shutdown()} has been called.
   *
   * @return {@code true} once the group is shut down
   */
  public boolean isShutdown() {
    lock.lock();
    try {
      return ending != null;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends every stream of the group: closes each open single-client stream with {@link CloseReason#SERVER_CLOSED},
   * shuts down each included broadcaster, and from now on refuses new streams. Returns a stage that completes once
   * every one of those streams has ended (see {@link Broadcaster#shutdown()} for what ended means).
   *
   * <p>Calling it again returns the same stage. The stage never completes exceptionally, and is completed on a
   * thread of its own, never on a transport's or a container's thread, so what is chained on it may block.
   *
   * @return a stage that completes when every stream of the group has ended
   */
  public CompletionStage<Void> shutdown() {
    DefaultChannel[] open;
    Broadcaster[] included;
    CompletableFuture<Void> done;
    lock.lock();
    try {
      if (ending != null) {
        return ending.copy(); // a future of its own, which a framework may wait on and nobody else can complete
      }
      done = new CompletableFuture<>();
      ending = done;
      open = streams.toArray(new DefaultChannel[0]);
      included = broadcasters.toArray(new Broadcaster[0]);
    } finally {
      lock.unlock();
    }
    List<CompletableFuture<Void>> endings = new ArrayList<>(open.length + included.length);
    for (DefaultChannel stream : open) {
      endings.add(stream.whenEnded());
      stream.close(CloseReason.SERVER_CLOSED);
    }
    for (Broadcaster broadcaster : included) {
      endings.add(broadcaster.shutdown().toCompletableFuture());
    }
    log.debug("shutting down {} streams and {} broadcasters", open.length, included.length);
    CompletableFuture.allOf(endings.toArray(new CompletableFuture<?>[0]))
        .whenCompleteAsync((ended, failure) -> done.complete(null));
    return done.copy();
  }

  /**
   * Shuts the group down as {@link #shutdown()} does and waits, at most {@code timeout}, for every stream to end:
   * the call for a host's stop hook, before the server closes its connections.
   *
   * <p>An interrupt stops the wait (the streams still end) and is kept on the thread.
   *
   * @param timeout how long to wait at most; the close grace plus a little is a good bound
   * @return {@code true} if every stream ended in time, {@code false} if the wait timed out or was interrupted
   */
  public boolean shutdownAndAwait(Duration timeout) {
    requireNonNull(timeout, "timeout");
    CompletableFuture<Void> done = shutdown().toCompletableFuture();
    try {
      done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      log.info("some event streams had not ended {} after the shutdown began; going on without them", timeout);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.debug("interrupted while waiting for the event streams to end");
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("a shutdown stage failed, which it never does", e);
    }
  }

  /** Opens a single-client stream in this group, for the handshake; refused once the group is shut down. */
  SseChannel open(StreamConfig config, @Nullable String lastEventId) {
    DefaultChannel channel = (DefaultChannel) Channels.open(config.channel(), config.heartbeat(),
        config.heartbeatComment(), lastEventId);
    boolean added;
    lock.lock();
    try {
      added = ending == null && streams.add(channel);
    } finally {
      lock.unlock();
    }
    if (!added) {
      channel.close(CloseReason.SERVER_CLOSED); // stops its heartbeat; nobody started it
      throw new IllegalStateException("the group's streams have been shut down");
    }
    channel.onClose(reason -> forget(channel));
    return channel;
  }

  private void forget(DefaultChannel channel) {
    lock.lock();
    try {
      streams.remove(channel);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "StreamGroup{streams=" + size() + ", shutdown=" + isShutdown() + '}';
  }
}
