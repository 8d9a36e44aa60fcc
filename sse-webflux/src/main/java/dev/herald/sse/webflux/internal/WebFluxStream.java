package dev.herald.sse.webflux.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.CloseReason;
import dev.herald.sse.core.Handshake;
import dev.herald.sse.netty.internal.UnsentLimit;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import reactor.netty.Connection;

/**
 * Serves one {@link SseChannel} as the body of a WebFlux response on Reactor Netty: a {@link Publisher} of
 * {@link DataBuffer}s whose subscriber's demand, and the connection's writability, drive {@link SseChannel#poll()}.
 *
 * <p><b>Back-pressure.</b> Each element is one batch: the frames queued at the time, wrapped (never copied) and
 * joined into one buffer, up to {@link #BATCH_BYTES} and no further than the connection takes before it turns
 * unwritable. An element is emitted only while the subscriber has demand <em>and</em> the connection is writable:
 * Reactor Netty asks for up to a few hundred elements ahead and refills as its writes complete, so demand alone
 * would let a stalled client's queue move out of the engine (where its overflow policy applies) into Reactor
 * Netty's. A small handler in the connection's pipeline resumes the drain when the connection turns writable again.
 * Reactor Netty flushes after each run of writes it makes, so each batch reaches the client at once.
 *
 * <p><b>Threading.</b> Every drain runs on the connection's event loop: the engine's wake-up callback (any thread)
 * only schedules one there, once per idle-to-busy change; {@code request(n)} from another thread does the same.
 * Cancellation may come from any thread: it closes the channel and ends it, both thread-safe. An event loop that no
 * longer takes tasks (the server stopped) means the client is gone.
 *
 * <p><b>Ending.</b> When the channel is closed by the server and empty, the publisher completes and Reactor Netty
 * writes the last chunk; a client that does not take it within the close grace has its connection closed. When the
 * engine closes the channel for any other reason (a slow consumer, an error), the connection is closed at once.
 * When the client leaves, Reactor Netty cancels the subscription, which closes the channel with
 * {@link CloseReason#CLIENT_GONE}. Whichever way it ends, the channel hears {@link SseChannel#ended()} when Reactor
 * Netty is done with the exchange (its operations terminate: the last chunk was written, or the connection is
 * gone), or at once on cancellation. Anything here can change at any time.
 */
final class WebFluxStream implements Publisher<DataBuffer>, Subscription {
  private static final Logger log = LoggerFactory.getLogger(WebFluxStream.class);
  /** A batch stops taking queued frames once it holds this many bytes (as the Netty transport's does). */
  private static final int BATCH_BYTES = 16 * 1024;
  /** The most frames in one batch, whatever their size. */
  private static final int BATCH_FRAMES = 256;
  private static final String HANDLER_NAME = "herald.sse.writability";

  private final SseChannel channel;
  private final Handshake.Open open;
  private final DataBufferFactory buffers;
  private final Connection connection;
  private final Channel socket;
  private final EventLoop loop;
  private final Duration closeGrace;
  private final AtomicBoolean subscribed = new AtomicBoolean();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final Runnable drainTask = this::scheduledDrain;

  // Confined to the event loop.
  private @Nullable Subscriber<? super DataBuffer> subscriber;
  private long demand;
  private boolean headersSent;
  private boolean done;
  private boolean draining;
  private boolean drainAgain;
  private @Nullable ScheduledFuture<?> graceTimer;
  /** Set from any thread by {@link #cancel()}. */
  private volatile boolean cancelled;

  /**
   * Makes the body of a stream, and binds it to the connection's life: when Reactor Netty is done with the exchange,
   * the channel hears of it, however the stream was going.
   *
   * @param open the handshake's answer: the client's channel, not started, and whom to tell once it is
   * @param buffers the response's buffer factory, which wraps the frames' bytes
   * @param connection the Reactor Netty connection (the exchange's operations) the response is written on
   * @param closeGrace how long a stream the server ended may take to write its end
   */
  WebFluxStream(Handshake.Open open, DataBufferFactory buffers, Connection connection, Duration closeGrace) {
    this.open = requireNonNull(open, "open");
    this.channel = open.channel();
    this.buffers = requireNonNull(buffers, "buffers");
    this.connection = requireNonNull(connection, "connection");
    this.socket = connection.channel();
    this.loop = socket.eventLoop();
    this.closeGrace = requireNonNull(closeGrace, "closeGrace");
    connection.onTerminate().subscribe(null, failure -> terminated(), this::terminated);
  }

  // ---- Publisher ----

  @Override
  public void subscribe(Subscriber<? super DataBuffer> s) {
    requireNonNull(s, "subscriber");
    if (!subscribed.compareAndSet(false, true)) {
      s.onSubscribe(this.noop());
      s.onError(new IllegalStateException("a stream's body can be subscribed to once"));
      return;
    }
    onLoop(() -> start(s));
  }

  /**
   * Starts the channel, tells the application, then hands the subscriber its subscription, whose first request
   * drains what is queued: in that order, because the subscriber's requests drain at once, and the channel must be
   * started (and the single-client application told) before anything is polled from it.
   */
  private void start(Subscriber<? super DataBuffer> s) {
    subscriber = s;
    if (cancelled || !socket.isActive()) {
      log.debug("the client left before its stream started");
      done = true;
      s.onSubscribe(this);
      s.onComplete(); // nothing to write to; Reactor Netty's end of the exchange fails quietly on a closed connection
      terminated();
      return;
    }
    connection.addHandlerLast(HANDLER_NAME, new Writability());
    UnsentLimit.apply(socket);
    channel.start(this::wake);
    open.opened();
    s.onSubscribe(this);
    drain();
  }

  // ---- Subscription ----

  @Override
  public void request(long n) {
    if (n <= 0) {
      onLoop(() -> fail(new IllegalArgumentException("request must be positive (Reactive Streams 3.9): " + n)));
      return;
    }
    onLoop(() -> {
      demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
      drain();
    });
  }

  /** Reactor Netty cancels when the client has left (or the exchange failed): the client is gone, at once. */
  @Override
  public void cancel() {
    cancelled = true;
    if (!channel.isClosed()) {
      log.debug("the stream's response was cancelled; the client is gone");
    }
    channel.close(CloseReason.CLIENT_GONE); // does nothing if it had ended already
    end();
    onLoop(this::cancelGrace);
  }

  // ---- the drain ----

  /** The engine's callback, from any thread: schedules one drain on the event loop, never drains in place. */
  private void wake() {
    if (drainScheduled.compareAndSet(false, true)) {
      onLoop(drainTask, false);
    }
  }

  private void scheduledDrain() {
    drainScheduled.set(false);
    drain();
  }

  /** Drains, or asks the running drain to go round again: {@code onNext} may request more from inside it. */
  private void drain() {
    if (draining) {
      drainAgain = true;
      return;
    }
    draining = true;
    try {
      do {
        drainAgain = false;
        drainOnce();
      } while (drainAgain);
    } finally {
      draining = false;
    }
  }

  private void drainOnce() {
    Subscriber<? super DataBuffer> s = subscriber;
    if (s == null || done || cancelled) {
      return;
    }
    Frame frame;
    // Demand and writability are checked before each poll: a drain that stops on a full connection must not poll,
    // so that the engine does not think it idle; the writability handler resumes it.
    while (demand > 0 && socket.isWritable() && (frame = channel.poll()) != null) {
      emit(s, batch(frame));
      if (done || cancelled) {
        return;
      }
    }
    if (!headersSent && demand > 0) {
      // WebFlux commits the response (sends the status and headers) with the body's first element: an empty one
      // makes the client see the stream open at once, before any event.
      emit(s, buffers.wrap(ByteBuffer.allocate(0)));
    }
    // Read once, after the writes: a close may come from another thread at any moment, and only the server's own
    // leaves the queue to finish; any other empties it, so an empty queue alone does not mean a clean end.
    CloseReason reason = channel.closeReason();
    if (reason == null || done || cancelled) {
      return;
    }
    if (reason != CloseReason.SERVER_CLOSED) {
      // The engine dropped this client (slow consumer, error) and emptied its queue: the connection goes with it.
      done = true;
      log.debug("stream ended ({}); closing the connection", reason);
      socket.close();
    } else if (channel.hasPending()) {
      startCloseGrace(); // frames left and a full connection: a bounded time to take them
    } else {
      done = true;
      startCloseGrace(); // the last chunk, too, must be taken in time
      s.onComplete();
    }
  }

  private void emit(Subscriber<? super DataBuffer> s, DataBuffer buffer) {
    demand--;
    headersSent = true;
    s.onNext(buffer);
  }

  /**
   * Returns one element: this frame, and the frames queued behind it while the batch holds less than
   * {@link #BATCH_BYTES}, less than {@link #BATCH_FRAMES} frames, and less than the connection takes before it
   * turns unwritable. The frames' bytes are shared with other clients and the replay history, so they are wrapped,
   * never copied or changed; on Reactor Netty the join is a composite of those wrappers.
   */
  private DataBuffer batch(Frame first) {
    DataBuffer one = buffers.wrap(first.buffer());
    long budget = Math.min(BATCH_BYTES, socket.bytesBeforeUnwritable());
    if (first.length() >= budget || !channel.hasPending()) {
      return one;
    }
    List<DataBuffer> batch = new ArrayList<>();
    batch.add(one);
    long bytes = first.length();
    Frame next;
    // A concurrent close other than the server's empties the queue, so poll may still find nothing.
    while (batch.size() < BATCH_FRAMES && bytes < budget && channel.hasPending() && (next = channel.poll()) != null) {
      batch.add(buffers.wrap(next.buffer()));
      bytes += next.length();
    }
    return buffers.join(batch);
  }

  private void fail(Throwable failure) {
    Subscriber<? super DataBuffer> s = subscriber;
    if (done || s == null) {
      return;
    }
    done = true;
    channel.close(CloseReason.ERROR);
    s.onError(failure);
  }

  // ---- ending ----

  private void startCloseGrace() {
    if (graceTimer == null) {
      graceTimer = loop.schedule(() -> {
        if (socket.isActive()) {
          log.debug("the client did not read the end of its stream within {}; closing the connection", closeGrace);
          socket.close();
        }
      }, closeGrace.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void cancelGrace() {
    ScheduledFuture<?> timer = graceTimer;
    if (timer != null) {
      timer.cancel(false);
    }
  }

  /** Reactor Netty is done with the exchange: the last chunk is written, or the connection is gone. */
  private void terminated() {
    onLoop(() -> {
      cancelGrace();
      done = true;
      connection.removeHandler(HANDLER_NAME);
    });
    channel.close(CloseReason.CLIENT_GONE); // does nothing if the stream had ended already
    end();
  }

  private void end() {
    if (ended.compareAndSet(false, true)) {
      channel.ended();
    }
  }

  private void onLoop(Runnable task) {
    onLoop(task, true);
  }

  /**
   * Runs a task on the connection's event loop: now if this is it and {@code inPlace} allows, else later. An event
   * loop that no longer takes tasks (the server stopped) has closed its connections: the client is gone.
   */
  private void onLoop(Runnable task, boolean inPlace) {
    if (inPlace && loop.inEventLoop()) {
      task.run();
      return;
    }
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("the connection's event loop has stopped; the client is gone");
      channel.close(CloseReason.CLIENT_GONE);
      end();
    }
  }

  private Subscription noop() {
    return new Subscription() {
      @Override
      public void request(long n) {}

      @Override
      public void cancel() {}
    };
  }

  /** Resumes a drain that stopped on a full connection once it takes bytes again; on the event loop. */
  private final class Writability extends ChannelInboundHandlerAdapter {
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        drain();
      }
      ctx.fireChannelWritabilityChanged();
    }
  }
}
