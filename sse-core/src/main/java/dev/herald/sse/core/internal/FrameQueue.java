package dev.herald.sse.core.internal;

import dev.herald.sse.spi.Frame;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;

/**
 * A client's bounded, lock-free queue of frames, and the idle flag its one consumer (the transport) and its
 * producers use to decide who wakes whom.
 *
 * <p>{@link #offer} reserves room with one CAS on a word that packs the queued event count and byte count, then
 * appends. The idle flag is the classic handshake: the consumer that finds the queue empty sets the flag and looks
 * again; a producer appends and then looks at the flag ({@link #claimWake}), so one of them always sees the other.
 * Replayed frames go in outside the bounds ({@link #offerUnbounded}): the history bounds them, and they share its
 * bytes.
 *
 * <p><b>Threading.</b> Any number of producers, one consumer ({@link #poll}); no locks. It never calls out: waking
 * the consumer is the caller's job, after it has released whatever locks it holds.
 *
 * <p><b>Memory.</b> Every client has one, idle or not, so its counters and flag are plain fields updated through
 * {@link VarHandle}s rather than atomic objects of their own.
 */
final class FrameQueue {
  private static final int BYTE_BITS = 40;
  private static final long BYTE_MASK = (1L << BYTE_BITS) - 1;
  private static final long ONE_EVENT = 1L << BYTE_BITS;
  private static final VarHandle BOUNDED;
  private static final VarHandle UNBOUNDED;
  private static final VarHandle IDLE;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      BOUNDED = lookup.findVarHandle(FrameQueue.class, "bounded", long.class);
      UNBOUNDED = lookup.findVarHandle(FrameQueue.class, "unbounded", long.class);
      IDLE = lookup.findVarHandle(FrameQueue.class, "idle", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int maxEvents;
  private final long maxBytes;
  private final ConcurrentLinkedQueue<Frame> queue = new ConcurrentLinkedQueue<>();
  private volatile long bounded; // events << BYTE_BITS | bytes
  private volatile long unbounded; // the same, for replayed frames outside the bounds
  private volatile boolean idle;

  /**
   * Makes an empty queue.
   *
   * @param maxEvents the most frames it holds within its bounds
   * @param maxBytes the most bytes it holds within its bounds
   */
  FrameQueue(int maxEvents, long maxBytes) {
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
  }

  /** Appends a frame if it fits the bounds; the caller then {@linkplain #claimWake claims the wake-up}. */
  boolean offer(Frame frame) {
    return offer(frame, maxEvents);
  }

  /**
   * Appends a frame if it fits the byte bound and fewer than {@code events} frames are queued within the bounds (a
   * paced producer's watermark, at most the event bound); the caller then claims the wake-up.
   */
  boolean offer(Frame frame, int events) {
    int length = frame.length();
    long s;
    do {
      s = bounded;
      if ((s >>> BYTE_BITS) >= events || (s & BYTE_MASK) + length > maxBytes) {
        return false;
      }
    } while (!BOUNDED.compareAndSet(this, s, s + ONE_EVENT + length));
    queue.offer(frame);
    return true;
  }

  /** Appends a replayed frame outside the bounds. */
  void offerUnbounded(Frame frame) {
    long unused = (long) UNBOUNDED.getAndAdd(this, ONE_EVENT + frame.length()); // typed so: see #release
    queue.offer(new ReplayFrame(frame));
  }

  /**
   * After appending: whether the consumer had gone idle, in which case this caller (and no other) must wake it.
   *
   * @return {@code true} if this caller claimed the wake-up
   */
  boolean claimWake() {
    return idle && IDLE.compareAndSet(this, true, false);
  }

  /**
   * Takes the oldest frame; if there is none, marks the consumer idle (a producer that appends then wakes it).
   *
   * @return the frame, or {@code null} if the queue is empty
   */
  @Nullable Frame poll() {
    Frame frame = pollOrGoIdle();
    if (frame == null) {
      return null;
    }
    release(frame);
    return frame instanceof ReplayFrame replay ? replay.frame : frame;
  }

  /**
   * Takes the oldest frames into {@code into} (see {@link dev.herald.sse.spi.SseChannel#poll(Frame[], long)}) and
   * releases their room with one atomic add per counter for the whole batch, not one per frame: the producers'
   * reserving CAS then meets the consumer's writes on the counter's cache line once per batch. Producers see the
   * batch's room a few frames later than frame by frame would let them, never earlier.
   *
   * @return how many frames were taken; {@code 0} marks the consumer idle, as {@link #poll()} does
   */
  int poll(Frame[] into, long maxBytes) {
    int count = 0;
    long bytes = 0;
    long boundedTaken = 0;
    long unboundedTaken = 0;
    Frame frame = into.length == 0 ? null : pollOrGoIdle();
    while (frame != null) {
      int length = frame.length();
      if (frame instanceof ReplayFrame replay) {
        unboundedTaken += ONE_EVENT + length;
        into[count++] = replay.frame;
      } else {
        boundedTaken += ONE_EVENT + length;
        into[count++] = frame;
      }
      bytes += length;
      // Past the first frame, an empty queue ends the batch: the consumer's next call marks it idle if nothing came.
      frame = count < into.length && bytes < maxBytes ? queue.poll() : null;
    }
    if (boundedTaken != 0) {
      long unused = (long) BOUNDED.getAndAdd(this, -boundedTaken); // typed so: see #release
    }
    if (unboundedTaken != 0) {
      long unused = (long) UNBOUNDED.getAndAdd(this, -unboundedTaken);
    }
    return count;
  }

  /** Takes the oldest frame; if there is none, marks the consumer idle and looks once more. */
  private @Nullable Frame pollOrGoIdle() {
    Frame frame = queue.poll();
    if (frame == null) {
      idle = true;
      frame = queue.poll(); // a producer may have appended before it could see the flag
      if (frame == null) {
        return null;
      }
      idle = false;
    }
    return frame;
  }

  /** Drops the oldest frame to make room; returns whether there was one. */
  boolean dropOldest() {
    Frame oldest = queue.poll();
    if (oldest == null) {
      return false;
    }
    release(oldest);
    return true;
  }

  /** Drops every frame. */
  void clear() {
    while (dropOldest()) {
      // nothing more to do per frame
    }
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** Frames queued now within the bounds, replayed ones not included. */
  long boundedFrames() {
    return bounded >>> BYTE_BITS;
  }

  /** Frames queued now, replayed ones included. */
  long frames() {
    return (bounded >>> BYTE_BITS) + (unbounded >>> BYTE_BITS);
  }

  /** Bytes queued now, replayed ones included. */
  long bytes() {
    return (bounded & BYTE_MASK) + (unbounded & BYTE_MASK);
  }

  /**
   * Takes a polled or dropped frame out of its counter. Each call site names its {@link VarHandle} as a constant
   * and keeps the result: a handle chosen at run time, or a result dropped (a call typed {@code void}), makes the JIT
   * adapt the call through a generic guard on every frame instead of inlining one atomic add.
   */
  private void release(Frame frame) {
    long delta = -(ONE_EVENT + frame.length());
    long unused = frame instanceof ReplayFrame
        ? (long) UNBOUNDED.getAndAdd(this, delta)
        : (long) BOUNDED.getAndAdd(this, delta);
  }

  /** A replayed frame, queued outside the bounds. */
  static final class ReplayFrame implements Frame {
    final Frame frame;

    ReplayFrame(Frame frame) {
      this.frame = frame;
    }

    @Override
    public int length() {
      return frame.length();
    }

    @Override
    public ByteBuffer buffer() {
      return frame.buffer();
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
      frame.writeTo(out);
    }
  }
}
