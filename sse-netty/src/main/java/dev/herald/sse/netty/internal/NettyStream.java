package dev.herald.sse.netty.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.CloseReason;
import dev.herald.sse.core.Handshake;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.spi.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns a connection from an answered request until its response is complete: swallows the rest of that request's
 * body and, for a stream, drains the client's {@link SseChannel} to the socket.
 *
 * <p>It sits right before the handler that answered the request, so it sees the connection's later inbound
 * events first. While a stream is open, a later (pipelined) request could only be answered after the stream ends,
 * which may be never: such requests are discarded, and the connection closes when the stream ends instead of
 * being kept alive. When a stream ends cleanly on a keep-alive connection, the handler removes itself and the
 * pipeline serves the next request as usual.
 *
 * <p><b>Threading.</b> Everything runs on the connection's event loop except the engine's wake-up callback, which
 * only schedules a drain there.
 *
 * <p><b>Memory.</b> One of these lives as long as each idle stream, so it keeps only what a drain needs: the
 * handshake's answer is used once at {@link #start} and not kept, the drain flag is a field rather than an atomic
 * object, the scheduled drain is this handler itself ({@link #run}), and the one listener of the headers' write is
 * made for that write.
 */
final class NettyStream extends ChannelInboundHandlerAdapter implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(NettyStream.class);
  /**
   * A drain stops adding queued frames to a chunk once it holds this many bytes: a quarter of Netty's default high
   * water mark, and large enough that a burst of small events costs one write per few hundred.
   */
  private static final int BATCH_BYTES = 16 * 1024;
  /** The most frames in one chunk, whatever their size. */
  private static final int BATCH_FRAMES = 256;

  private static final AtomicIntegerFieldUpdater<NettyStream> DRAIN_SCHEDULED =
      AtomicIntegerFieldUpdater.newUpdater(NettyStream.class, "drainScheduled");

  private final @Nullable SseChannel stream;
  private final boolean keepAlive;
  private final Duration closeGrace;
  /** 1 while a drain is scheduled on the event loop and has not started: wake-ups in between schedule nothing. */
  private volatile int drainScheduled;

  private @Nullable ChannelHandlerContext ctx;
  private boolean bodyDone;
  private boolean finished;
  private boolean discardedRequests;
  private boolean lastWritten;
  private boolean draining;
  private boolean drainAgain;
  private @Nullable ScheduledFuture<?> graceTimer;

  /** Makes a handler that only swallows the rest of a request's body, then removes itself. */
  NettyStream() {
    this.stream = null;
    this.keepAlive = true;
    this.bodyDone = false;
    this.closeGrace = Duration.ZERO;
  }

  /**
   * Makes a handler that serves a stream.
   *
   * @param channel the client's channel, registered and not started
   * @param keepAlive whether the connection may serve another request after a clean end
   * @param bodyDone whether the request's body was read already
   * @param closeGrace how long the end of a server-closed stream may take to write
   */
  NettyStream(SseChannel channel, boolean keepAlive, boolean bodyDone, Duration closeGrace) {
    this.stream = requireNonNull(channel, "channel");
    this.keepAlive = keepAlive;
    this.bodyDone = bodyDone;
    this.closeGrace = requireNonNull(closeGrace, "closeGrace");
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Sends the response headers, starts the channel, tells the application, and drains what is queued; on the event
   * loop, right after this handler joined the pipeline.
   *
   * @param response the response's status and headers
   * @param open the handshake's answer that made this stream's channel, told once the channel is started
   */
  void start(HttpResponse response, Handshake.Open open) {
    ChannelHandlerContext ctx = requireNonNull(this.ctx, "not in a pipeline");
    SseChannel stream = requireNonNull(this.stream);
    UnsentLimit.apply(ctx.channel());
    // Flushed at once, so the client sees the stream open even before the first event.
    ctx.writeAndFlush(response).addListener((ChannelFutureListener) this::written);
    stream.start(this::wake);
    open.opened();
    drain();
  }

  // ---- the drain loop ----

  /** The engine's callback, from any thread: schedules one drain on the event loop, never drains in place. */
  private void wake() {
    if (drainScheduled == 0 && DRAIN_SCHEDULED.compareAndSet(this, 0, 1)) {
      requireNonNull(ctx).executor().execute(this);
    }
  }

  /** The drain a wake-up scheduled, on the event loop. */
  @Override
  public void run() {
    drainScheduled = 0;
    drain();
  }

  /**
   * Drains, or asks the running drain to go round again: a flush can turn the connection writable and call
   * {@link #channelWritabilityChanged} from inside a drain, and a loop is kinder to the stack than recursion.
   */
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
    SseChannel stream = this.stream;
    ChannelHandlerContext ctx = this.ctx;
    if (stream == null || ctx == null || finished) {
      return;
    }
    io.netty.channel.Channel connection = ctx.channel();
    boolean wrote = false;
    ByteBuf chunk;
    // Checked before each poll: a drain that stops on a full socket must not poll, so that the engine does not
    // think us idle; channelWritabilityChanged resumes it.
    while (connection.isWritable() && (chunk = batch(ctx, stream)) != null) {
      // No promise per write: a promise and its listener for every event and client cost more than the write
      // itself (and make HttpObjectEncoder combine three promises per chunk). A failed write fails the pipeline's
      // void promise, which fires exceptionCaught here: the client is gone.
      ctx.write(new DefaultHttpContent(chunk), ctx.voidPromise());
      wrote = true;
    }
    if (wrote) {
      ctx.flush();
    }
    if (stream.isClosed()) {
      if (stream.hasPending()) {
        startCloseGrace(); // server-closed with frames left and a full socket: give the client a bounded time
      } else {
        finish(stream.closeReason());
      }
    }
  }

  /**
   * Returns the bytes of one HTTP chunk, or {@code null} if nothing is queued: the oldest frame, and the frames
   * queued behind it while the chunk holds less than {@link #BATCH_BYTES} and less than the connection takes before
   * it turns unwritable.
   *
   * <p>A burst reaches a busy client as many small frames; writing each as a chunk of its own costs a chunk header,
   * an encoder pass and an outbound buffer entry per event and client, more than the bytes themselves. One chunk
   * per batch makes that cost per batch, and the client parses fewer chunks. Back-pressure is unchanged: a batch
   * stops where writing frame by frame would have passed the high water mark.
   *
   * <p>The frames' bytes are shared with other clients and the replay history, and live on the heap, which a NIO
   * socket cannot write from: it would copy them into a direct buffer anyway. So the batch is that copy, made
   * here, once: the frames are collected first (in the event loop's {@link Batch}), then written by
   * {@link Frame#writeTo} into one pooled direct buffer of their exact size. That costs one allocation per batch
   * and nothing per frame; wrapping each frame in a buffer of its own, and the whole in a composite, cost several
   * objects per frame and client, and a second copy when the socket flattened the composite.
   */
  private static @Nullable ByteBuf batch(ChannelHandlerContext ctx, SseChannel stream) {
    Batch batch = Batch.CURRENT.get();
    // One poll for the batch, so that the channel's bookkeeping is per batch too. A concurrent close other than
    // the server's empties the queue, so it may find nothing even then; finding nothing marks the transport idle.
    int count = stream.poll(batch.frames, Math.min(BATCH_BYTES, ctx.channel().bytesBeforeUnwritable()));
    return count == 0 ? null : batch.copy(ctx, count);
  }

  /**
   * One event loop's scratch space for {@link #batch}: the frames of the batch being made, and the stream that
   * copies them into its buffer. Kept per thread rather than per stream, since an idle stream's memory counts.
   *
   * <p><b>Threading.</b> Used by the event loop's thread only, one batch at a time; it keeps no frame or buffer
   * between batches.
   */
  private static final class Batch extends OutputStream {
    static final FastThreadLocal<Batch> CURRENT = new FastThreadLocal<>() {
      @Override
      protected Batch initialValue() {
        return new Batch();
      }
    };

    final Frame[] frames = new Frame[BATCH_FRAMES];
    private @Nullable ByteBuf target;

    /** Copies the first {@code count} frames into one direct buffer of their exact size and forgets them. */
    ByteBuf copy(ChannelHandlerContext ctx, int count) {
      int bytes = 0;
      for (int i = 0; i < count; i++) {
        bytes += frames[i].length();
      }
      ByteBuf buffer = ctx.alloc().directBuffer(bytes, bytes);
      target = buffer;
      boolean copied = false;
      try {
        for (int i = 0; i < count; i++) {
          Frame frame = frames[i];
          frames[i] = null;
          frame.writeTo(this);
        }
        copied = true;
        return buffer;
      } catch (IOException e) {
        throw new UncheckedIOException(e); // this stream throws none; a frame's own failure is a bug
      } finally {
        target = null;
        if (!copied) {
          buffer.release();
          Arrays.fill(frames, 0, count, null);
        }
      }
    }

    @Override
    public void write(int b) {
      requireNonNull(target).writeByte(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      requireNonNull(target).writeBytes(b, off, len);
    }
  }

  /** Ends the response once the channel is closed and empty. */
  private void finish(@Nullable CloseReason reason) {
    ChannelHandlerContext ctx = requireNonNull(this.ctx);
    finished = true;
    if (reason != CloseReason.SERVER_CLOSED) {
      // The client is gone, failed, or too slow: its queue was dropped, and the connection goes with it.
      log.debug("stream ended ({}); closing the connection", reason);
      ctx.close();
      return;
    }
    startCloseGrace(); // before the write, whose listeners may run (and cancel it) at once
    ChannelFuture last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    SseChannel stream = requireNonNull(this.stream);
    if (keepAlive && !discardedRequests) {
      last.addListener(future -> {
        if (future.isSuccess()) {
          lastWritten = true;
          stream.ended(); // the response is complete; the connection may serve another request
          handOver();
        } else {
          written(last);
        }
      });
    } else {
      last.addListener(future -> {
        if (future.isSuccess()) {
          stream.ended();
        }
      });
      last.addListener(ChannelFutureListener.CLOSE);
    }
  }

  /**
   * Once the response is complete and the request fully read (a stream can end before the request's last content
   * arrives), gives the connection back to the pipeline for the next request.
   */
  private void handOver() {
    ChannelHandlerContext ctx = requireNonNull(this.ctx);
    if (lastWritten && bodyDone && !ctx.isRemoved()) {
      cancelCloseGrace();
      ctx.pipeline().remove(this);
    }
  }

  private void startCloseGrace() {
    ChannelHandlerContext ctx = requireNonNull(this.ctx);
    if (graceTimer == null && !ctx.isRemoved()) {
      graceTimer = ctx.executor().schedule(() -> {
        if (ctx.channel().isActive()) {
          log.debug("the client did not read the end of its stream within {}; closing the connection", closeGrace);
          ctx.close();
        }
      }, closeGrace.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void cancelCloseGrace() {
    ScheduledFuture<?> timer = graceTimer;
    if (timer != null) {
      timer.cancel(false);
    }
  }

  /** Every write's listener: a failed write ends the client at once. */
  private void written(ChannelFuture future) {
    if (future.isSuccess()) {
      return;
    }
    SseChannel stream = this.stream;
    if (stream != null && !stream.isClosed()) {
      Throwable cause = future.cause();
      if (cause instanceof IOException) {
        log.debug("writing to a client failed; it is gone", cause);
        stream.close(CloseReason.CLIENT_GONE);
      } else {
        log.warn("writing to a client failed", cause);
        stream.close(CloseReason.ERROR);
      }
    }
    future.channel().close();
  }

  // ---- the connection's events ----

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpContent && !(msg instanceof HttpRequest) && !bodyDone) {
      // The rest of the request this exchange answered.
      bodyDone = msg instanceof LastHttpContent;
      ReferenceCountUtil.release(msg);
      if (bodyDone && stream == null) {
        ctx.pipeline().remove(this);
      } else if (bodyDone) {
        handOver();
      }
    } else if (stream != null && !finished) {
      if (!discardedRequests) {
        log.debug("a request arrived on a connection that is streaming; discarding it and closing after the stream");
      }
      discardedRequests = true;
      ReferenceCountUtil.release(msg);
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      drain();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ended();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    ended();
  }

  private void ended() {
    cancelCloseGrace();
    finished = true;
    SseChannel stream = this.stream;
    if (stream != null) {
      stream.close(CloseReason.CLIENT_GONE); // does nothing if the stream had ended already
      stream.ended();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    SseChannel stream = this.stream;
    if (stream != null && cause instanceof IOException) {
      // A reset or broken connection is how streams usually end: expected, not worth a warning.
      log.debug("a streaming client's connection failed; it is gone", cause);
      stream.close(CloseReason.CLIENT_GONE);
      ctx.close();
      return;
    }
    if (stream != null && !finished) {
      stream.close(CloseReason.ERROR);
    }
    ctx.fireExceptionCaught(cause);
  }
}
