package dev.herald.sse.servlet.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.CloseReason;
import dev.herald.sse.spi.Channel;
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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one {@link Channel} on a Servlet async response with non-blocking I/O: a {@link WriteListener} drains
 * the channel while the output stream {@linkplain ServletOutputStream#isReady() is ready}, and an
 * {@link AsyncListener} reports the connection's end to the engine.
 *
 * <p><b>Threading.</b> Drains never overlap: a work-in-progress counter admits one at a time, and a wake-up that
 * arrives during a drain makes that drain run once more instead of starting another. The channel's callback runs
 * on producer threads (a broadcast, under the broadcaster's lock), so it never drains in place: it hands the drain
 * to the container's pool with {@link AsyncContext#start(Runnable)}, once per idle-to-busy change, not per event.
 * {@link #onWritePossible()} is already on a container thread for this request and drains in place. A drain that
 * finds the stream not ready stops without polling again; the container calls {@code onWritePossible} when it can
 * write, as the Servlet specification promises after {@code isReady()} returned {@code false}.
 *
 * <p><b>Ending.</b> The response is completed exactly once, by whichever comes first: the drain finding the
 * channel closed and empty, a failed write, the container's {@code onError} or {@code onTimeout}, or the close
 * grace running out for a closed stream whose client stops reading. When the container completes the request
 * itself ({@code onComplete}), the stream only closes the channel. Anything here can change at any time.
 */
public final class AsyncStream implements WriteListener, AsyncListener {
  private static final Logger log = LoggerFactory.getLogger(AsyncStream.class);

  private final Channel channel;
  private final AsyncContext async;
  private final ServletOutputStream out;
  private final long closeGraceNanos;

  /** Drain requests not yet served; the one that moves it from 0 runs the drain. Setup holds the first one. */
  private final AtomicInteger wip = new AtomicInteger(1);
  private final AtomicBoolean finished = new AtomicBoolean();
  private final AtomicBoolean graceStarted = new AtomicBoolean();
  private volatile @Nullable ScheduledFuture<?> graceTimer;

  private AsyncStream(Channel channel, AsyncContext async, ServletOutputStream out, Duration closeGrace) {
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
      HttpServletRequest request, HttpServletResponse response, Channel channel, Duration closeGrace)
      throws IOException {
    requireNonNull(channel, "channel");
    requireNonNull(closeGrace, "closeGrace");
    ServletOutputStream out = response.getOutputStream();
    AsyncContext async = request.startAsync(request, response);
    // An event stream lives until one side ends it; the container's default async timeout (30 s) must not cut it.
    async.setTimeout(0);
    AsyncStream stream = new AsyncStream(channel, async, out, closeGrace);
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
    if (finished.get()) {
      return;
    }
    try {
      async.start(() -> drainLoop(missed));
    } catch (RuntimeException e) {
      // The request has ended under us (completed, recycled or the container stopping): the client is gone.
      log.debug("could not schedule a drain; ending the stream: {}", e.toString());
      end(CloseReason.CLIENT_GONE, true);
    }
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
    // The request is over, whoever completed it: there is nothing left to complete.
    end(CloseReason.CLIENT_GONE, false);
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
    if (finished.get()) {
      return;
    }
    try {
      CloseReason reason = channel.closeReason();
      if (reason != null && reason != CloseReason.SERVER_CLOSED) {
        // The engine dropped this client (slow consumer, gone, error) and emptied its queue: end now, even with
        // a write pending, so a client that stopped reading holds nothing.
        end(reason, true);
        return;
      }
      while (out.isReady()) {
        Frame frame = channel.poll();
        if (frame == null) {
          if (channel.isClosed()) {
            end(CloseReason.SERVER_CLOSED, true); // completing flushes what is buffered
          } else {
            out.flush(); // one flush per drain; the first also commits the headers
          }
          return;
        }
        frame.writeTo(out);
      }
      // Not ready: the container calls onWritePossible when the socket takes more. Do not poll meanwhile.
      if (channel.isClosed()) {
        startGrace();
      }
    } catch (IOException e) {
      failed("write", e);
    } catch (RuntimeException e) {
      failed("write", e);
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
    if (failure == null || failure instanceof IOException) {
      // A client that goes away is the normal end of an event stream (Jetty's EofException, Tomcat's
      // ClientAbortException, a reset): not worth more than debug.
      log.debug("{} failed; the client is gone: {}", where, String.valueOf(failure));
      end(CloseReason.CLIENT_GONE, true);
    } else {
      log.warn("{} failed; ending the stream", where, failure);
      end(CloseReason.ERROR, true);
    }
  }

  /**
   * Ends the stream once: closes the channel with this reason (unless it already closed), and completes the
   * response unless the container already has.
   */
  private void end(CloseReason reason, boolean complete) {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    cancelGrace();
    channel.close(reason); // only the first close counts; its wake-up finds the stream finished
    if (complete) {
      try {
        async.complete();
      } catch (IllegalStateException e) {
        // The container got there first: after a failed write Tomcat ends the request itself (and Jetty may
        // time it out), so this is expected and its onComplete is on its way.
        log.debug("the container had already ended the request: {}", e.getMessage());
      }
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
        return thread;
      });
      executor.setKeepAliveTime(30, TimeUnit.SECONDS);
      executor.allowCoreThreadTimeOut(true);
      executor.setRemoveOnCancelPolicy(true);
      return executor;
    }
  }
}
