package dev.herald.sse.servlet.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.CloseReason;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.spi.Frame;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one {@link SseChannel} on a Servlet async response with non-blocking I/O: a {@link WriteListener} drains
 * the channel while the output stream {@linkplain ServletOutputStream#isReady() is ready}, and an
 * {@link AsyncListener} reports the connection's end to the engine.
 *
 * <p><b>Threading.</b> Drains never overlap: a work-in-progress counter admits one at a time, and a wake-up that
 * arrives during a drain makes that drain run once more instead of starting another. The channel's callback runs
 * on producer threads (a broadcast, or a sender's send), so it never drains in place: it hands the drain
 * to the container's pool with {@link AsyncContext#start(Runnable)}, once per idle-to-busy change, not per event.
 * {@link #onWritePossible()} is already on a container thread for this request and drains in place. A drain that
 * finds the stream not ready stops without polling again; the container calls {@code onWritePossible} when it can
 * write, as the Servlet specification promises after {@code isReady()} returned {@code false}.
 *
 * <p><b>The response lock.</b> Containers recycle a request's objects once it ends: Tomcat hands the same
 * request, response and output buffer to the next connection its processor serves. A drain still writing on
 * another thread when the container reports the end (a client reset seen by the container first) would write into
 * a stranger's response, and a late {@code complete()} or {@code start()} would act on it. So everything that
 * touches the response (a drain, {@code complete()}, {@code start()}) runs under one lock and only while the
 * stream has not ended, and the container's {@code onError} and {@code onTimeout} take that lock to mark the end:
 * once they return, no thread of Herald's touches the request again. {@code onComplete} only tries the lock:
 * Tomcat calls it holding its own async state lock, which {@code complete()} and {@code start()} need, so
 * waiting there could deadlock; the container reports an error or a timeout before completing a request itself,
 * so nothing is in flight by then. The lock is held for one drain's non-blocking writes at most; the channel is
 * closed (which runs the engine's callbacks) only after it is released.
 *
 * <p><b>Ending.</b> The response is completed exactly once, by whichever comes first: the drain finding the
 * channel closed and empty, a failed write, the container's {@code onError} or {@code onTimeout}, or the close
 * grace running out for a closed stream whose client stops reading. When the container completes the request
 * itself ({@code onComplete}), the stream only closes the channel. Anything here can change at any time.
 */
public final class ServletStream implements WriteListener, AsyncListener {
  private static final Logger log = LoggerFactory.getLogger(ServletStream.class);
  /** How long a container callback waits for a drain in flight before it gives up on the lock and says so. */
  private static final long LOCK_WAIT_SECONDS = 10;
  /** How long completing waits for a drain handed to the container to begin; see {@link #awaitDispatched()}. */
  private static final long DISPATCH_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final SseChannel channel;
  private final AsyncContext async;
  private final ServletOutputStream out;
  private final long closeGraceNanos;

  /** Drain requests not yet served; the one that moves it from 0 runs the drain. Setup holds the first one. */
  private final AtomicInteger wip = new AtomicInteger(1);
  /** Guards every use of the response and request; see the class comment. */
  private final ReentrantLock responseLock = new ReentrantLock();
  /** Set once, under {@link #responseLock} except in {@link #onComplete}; nothing touches the response after. */
  private final AtomicBoolean finished = new AtomicBoolean();
  private final AtomicBoolean graceStarted = new AtomicBoolean();
  /** A drain was handed to {@code async.start()} and its task has not begun: completing now would fail it. */
  private final AtomicBoolean dispatchPending = new AtomicBoolean();
  private volatile @Nullable ScheduledFuture<?> graceTimer;

  private ServletStream(SseChannel channel, AsyncContext async, ServletOutputStream out, Duration closeGrace) {
    this.channel = channel;
    this.async = async;
    this.out = out;
    this.closeGraceNanos = closeGrace.toNanos();
  }

  /**
   * Starts async processing with no container timeout and serves the channel on the response, whose status and
   * headers the caller has set. Returns at once; the container calls back as the client reads.
   *
   * @param request the request, which must support async
   * @param response the response, not committed
   * @param channel the channel to serve, not started; this stream closes it when the connection ends
   * @param closeGrace how long a closed stream may wait for a client that stops reading before it is cut
   * @throws IOException if the response's output stream cannot be had
   */
  public static void serve(
      HttpServletRequest request, HttpServletResponse response, SseChannel channel, Duration closeGrace)
      throws IOException {
    requireNonNull(channel, "channel");
    requireNonNull(closeGrace, "closeGrace");
    ServletOutputStream out = response.getOutputStream();
    AsyncContext async = request.startAsync(request, response);
    // An event stream lives until one side ends it; the container's default async timeout (30 s) must not cut it.
    async.setTimeout(0);
    ServletStream stream = new ServletStream(channel, async, out, closeGrace);
    async.addListener(stream);
    channel.start(stream::wake);
    // The container calls onWritePossible once the write listener is set: that is the first drain, which
    // writes any greeting or replay and flushes, committing the headers at once.
    out.setWriteListener(stream);
    stream.release();
  }

  // ---- drain scheduling ----

  /** The channel's callback, on any producer thread: hand a drain to the container's pool. */
  private void wake() {
    if (wip.getAndIncrement() == 0) {
      dispatch(1);
    }
  }

  /** Gives up the token setup held; drain requests that came in meanwhile get a drain now. */
  private void release() {
    int missed = wip.decrementAndGet();
    if (missed != 0) {
      dispatch(missed);
    }
  }

  private void dispatch(int missed) {
    // No drain is running or scheduled (the counter was zero), so only an ending can hold the lock, briefly.
    responseLock.lock();
    try {
      if (finished.get()) {
        return;
      }
      dispatchPending.set(true);
      async.start(() -> {
        dispatchPending.set(false);
        drainLoop(missed);
      });
      return;
    } catch (RuntimeException e) {
      dispatchPending.set(false);
      // The request has ended under us (completed, or the container stopping): the client is gone.
      log.debug("could not schedule a drain; ending the stream: {}", e.toString());
    } finally {
      responseLock.unlock();
    }
    end(CloseReason.CLIENT_GONE, true);
  }

  private void drainLoop(int requests) {
    int missed = requests;
    do {
      drain();
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  // ---- WriteListener ----

  /** Called by the container on one of its threads: at the start, and after {@code isReady()} said no. */
  @Override
  public void onWritePossible() {
    if (wip.getAndIncrement() == 0) {
      drainLoop(1);
    }
  }

  @Override
  public void onError(Throwable failure) {
    failed("write", failure);
  }

  // ---- AsyncListener ----

  @Override
  public void onComplete(AsyncEvent event) {
    // The request is over, whoever completed it: there is nothing left to complete. Tomcat calls this holding its
    // async state lock, which complete() and start() under the response lock need: only try the lock.
    endHolding(responseLock.tryLock(), CloseReason.CLIENT_GONE, false);
    channel.ended(); // the container has written the end of the response, or the connection is gone
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    log.debug("the container timed the stream out");
    end(CloseReason.ERROR, true);
  }

  @Override
  public void onError(AsyncEvent event) {
    failed("async", event.getThrowable());
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // Not restarted: an event stream is one async cycle.
  }

  // ---- the drain ----

  private void drain() {
    CloseReason ended = null;
    responseLock.lock();
    try {
      if (finished.get()) {
        return;
      }
      ended = drainLocked();
    } finally {
      responseLock.unlock();
    }
    if (ended != null) {
      channel.close(ended); // only the first close counts; its wake-up finds the stream finished
    }
  }

  /** Writes what the channel has while the stream is ready; returns the reason if this ended the stream. */
  private @Nullable CloseReason drainLocked() {
    try {
      CloseReason reason = channel.closeReason();
      if (reason != null && reason != CloseReason.SERVER_CLOSED) {
        // The engine dropped this client (slow consumer, gone, error) and emptied its queue: end now, even with
        // a write pending, so a client that stopped reading holds nothing.
        return finish(true) ? reason : null;
      }
      // finished is checked again per frame: onComplete may mark it without the lock (see the class comment)
      while (!finished.get() && out.isReady()) {
        Frame frame = channel.poll();
        if (frame == null) {
          if (channel.isClosed()) {
            // completing flushes what is buffered
            return finish(true) ? CloseReason.SERVER_CLOSED : null;
          }
          out.flush(); // one flush per drain; the first also commits the headers
          return null;
        }
        write(frame);
      }
      // Not ready: the container calls onWritePossible when the socket takes more. Do not poll meanwhile.
      if (channel.isClosed()) {
        startGrace();
      }
      return null;
    } catch (IOException | RuntimeException e) {
      return failedLocked("write", e);
    }
  }

  /**
   * Writes this frame, and the frames queued behind it, with one call to the output stream: one batch of at least
   * {@link Batch#FILL} bytes (or all that is queued), gathered in the container thread's {@link Batch} buffer and
   * handed to the container as an array of its own. A frame with nothing queued behind it, or one as large as a
   * batch, is written as it is, without a copy.
   *
   * <p>Every write and every {@code isReady()} takes the container's lock on the response (Jetty's channel state,
   * Tomcat's output buffer) and runs its checks: in a profile of Jetty at saturation, threads waking each other
   * from that lock took 7 % of the server's samples when a drain wrote frame by frame. A batch never
   * goes past the container's default aggregation size (8 KiB: Jetty's {@code outputAggregationSize}, Tomcat's
   * output buffer), so the container still gathers batches in its buffer and writes the socket once it is full
   * or flushed, as it did with single frames.
   */
  private void write(Frame first) throws IOException {
    int length = first.length();
    if (length >= Batch.FILL || !channel.hasPending()) {
      first.writeTo(out);
      return;
    }
    byte[] buffer = Batch.take();
    try {
      first.buffer().get(buffer, 0, length);
      int filled = length;
      Frame next;
      while (filled < Batch.FILL && !finished.get() && channel.hasPending() && (next = channel.poll()) != null) {
        int more = next.length();
        if (more > buffer.length - filled) {
          // Polled, so it must go now: after this write the stream may not be ready for another.
          byte[] whole = Arrays.copyOf(buffer, filled + more);
          next.buffer().get(whole, filled, more);
          out.write(whole, 0, whole.length);
          return;
        }
        next.buffer().get(buffer, filled, more);
        filled += more;
      }
      // A new array: the container may keep the one it is given until the write completes (Jetty writes what did
      // not fit its buffer later, from the caller's array), and the gathering buffer is reused at once.
      out.write(Arrays.copyOf(buffer, filled));
    } finally {
      Batch.give(buffer);
    }
  }

  /** A closed stream whose client is not reading gets a bounded time to take the rest, then it is cut. */
  private void startGrace() {
    if (!graceStarted.compareAndSet(false, true)) {
      return;
    }
    graceTimer = GraceTimer.EXECUTOR.schedule(() -> {
      if (!finished.get()) {
        log.debug("the client did not read the end of a closed stream within the close grace; cutting it");
        end(CloseReason.SERVER_CLOSED, true);
      }
    }, closeGraceNanos, TimeUnit.NANOSECONDS);
    if (finished.get()) {
      cancelGrace();
    }
  }

  private void cancelGrace() {
    ScheduledFuture<?> timer = graceTimer;
    if (timer != null) {
      timer.cancel(false);
    }
  }

  private void failed(String where, @Nullable Throwable failure) {
    CloseReason reason = classify(where, failure);
    end(reason, true);
  }

  private @Nullable CloseReason failedLocked(String where, @Nullable Throwable failure) {
    CloseReason reason = classify(where, failure);
    return finish(true) ? reason : null;
  }

  private static CloseReason classify(String where, @Nullable Throwable failure) {
    if (failure == null || failure instanceof IOException) {
      // A client that goes away is the normal end of an event stream (Jetty's EofException, Tomcat's
      // ClientAbortException, a reset): not worth more than debug.
      log.debug("{} failed; the client is gone: {}", where, String.valueOf(failure));
      return CloseReason.CLIENT_GONE;
    }
    log.warn("{} failed; ending the stream", where, failure);
    return CloseReason.ERROR;
  }

  /**
   * Ends the stream once, from a container callback or a timer: marks it finished under the response lock (so
   * that a drain in flight finishes first and none starts after), completes the response if asked and not yet
   * done, then closes the channel with this reason unless it already closed.
   */
  private void end(CloseReason reason, boolean complete) {
    endHolding(lockForEnd(), reason, complete);
  }

  /** Ends the stream as {@link #end} does, having taken the response lock or not ({@code locked}). */
  private void endHolding(boolean locked, CloseReason reason, boolean complete) {
    boolean first;
    try {
      first = finish(complete);
    } finally {
      if (locked) {
        responseLock.unlock();
      }
    }
    if (first) {
      channel.close(reason);
    }
  }

  /**
   * Takes the response lock for an ending, waiting for a drain in flight. The wait is bounded so that a
   * container that calls back while holding a lock a drain needs cannot hang a thread; running past a held
   * lock is logged, and the drain stops at its next check.
   */
  private boolean lockForEnd() {
    if (responseLock.tryLock()) {
      return true;
    }
    log.debug("the stream is ending while a drain writes; waiting for the drain");
    try {
      if (responseLock.tryLock(LOCK_WAIT_SECONDS, TimeUnit.SECONDS)) {
        return true;
      }
      log.warn("a drain held the response for {} s while the stream ended; ending without it", LOCK_WAIT_SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.debug("interrupted while waiting for a drain to end the stream");
    }
    return false;
  }

  /**
   * Marks the stream finished, the first time only, and completes the response if asked. Called with the
   * response lock held (or, from {@code onComplete}, when the request is already over).
   *
   * @return {@code true} if this call ended the stream
   */
  private boolean finish(boolean complete) {
    if (!finished.compareAndSet(false, true)) {
      return false;
    }
    cancelGrace();
    if (complete) {
      awaitDispatched();
      try {
        async.complete();
      } catch (IllegalStateException e) {
        // The container got there first: after a failed write Tomcat ends the request itself (and Jetty may
        // time it out), so this is expected and its onComplete is on its way.
        log.debug("the container had already ended the request: {}", e.getMessage());
      }
    }
    return true;
  }

  /**
   * Waits, briefly, for a drain handed to the container to begin before the request is completed. Jetty runs the
   * task of {@code async.start()} through the request's async state, which completing recycles: a task still
   * queued then fails before it runs, and Jetty's pool logs the failure with a stack trace ("AsyncContext
   * completed"). A client reset during a burst of broadcasts does exactly that, once per stream. Once the task
   * has begun it no longer needs that state, and it finds the stream finished and returns. Called holding the
   * response lock, which the task takes only after it has begun, so the wait cannot deadlock; it is bounded so
   * that a pool with no free thread delays an ending by at most a second.
   */
  private void awaitDispatched() {
    long deadline = System.nanoTime() + DISPATCH_WAIT_NANOS;
    while (dispatchPending.get() && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
    }
    if (dispatchPending.get()) {
      log.debug("completing the request while a drain is still queued in the container");
    }
  }

  /**
   * The buffer a drain gathers a batch of frames in, one per container thread that has drained a busy stream, so
   * that an idle stream holds none. It is never handed to the container. A drain takes it for one batch and
   * gives it back, so a drain that runs inside another on the same thread (a container calling back from a write)
   * makes a buffer of its own instead of sharing one. The buffer is a plain byte array, so a container thread that
   * outlives the application keeps no class of it.
   */
  private static final class Batch {
    /** A batch stops growing at this many bytes. */
    static final int FILL = 4 * 1024;
    /** The buffer's size: a batch's last frame may take it past {@link #FILL}, up to the containers' 8 KiB. */
    static final int CAPACITY = 8 * 1024;
    private static final ThreadLocal<byte @Nullable []> BUFFERS = new ThreadLocal<>();

    private Batch() {}

    static byte[] take() {
      byte[] buffer = BUFFERS.get();
      if (buffer == null) {
        return new byte[CAPACITY];
      }
      BUFFERS.set(null);
      return buffer;
    }

    static void give(byte[] buffer) {
      BUFFERS.set(buffer);
    }
  }

  /**
   * The one timer for close graces, shared by every stream. Its thread starts with the first grace and ends
   * 30 seconds after the last one, so an application with no closing streams runs no thread of Herald's.
   */
  private static final class GraceTimer {
    static final ScheduledThreadPoolExecutor EXECUTOR = create();

    private static ScheduledThreadPoolExecutor create() {
      ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "herald-servlet-close-grace");
        thread.setDaemon(true);
        // Started on a container thread, it would otherwise keep the web app's class loader for its 30 s.
        thread.setContextClassLoader(GraceTimer.class.getClassLoader());
        return thread;
      });
      executor.setKeepAliveTime(30, TimeUnit.SECONDS);
      executor.allowCoreThreadTimeOut(true);
      executor.setRemoveOnCancelPolicy(true);
      return executor;
    }
  }
}
