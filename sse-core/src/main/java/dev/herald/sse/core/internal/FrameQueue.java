package dev.herald.sse.core.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.spi.Frame;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * A client's bounded, lock-free queue of frames, and the idle flag its one consumer (the transport) and its
 * producers use to decide who wakes whom.
 *
 * <p>{@link #offer} reserves room with one CAS on a word that packs the queued event count and byte count, then
 * appends: one more CAS claims the next position, and the frame is stored in that position's slot of a
 * {@linkplain Chunk chunk} of {@value #CHUNK} slots. Takers move the head with one CAS per batch and read the slots
 * with plain loads, so a batch of frames costs its consumer one atomic operation, not one per frame, and its
 * producers allocate one small array per {@value #CHUNK} frames instead of a list node per frame. (A
 * {@code ConcurrentLinkedQueue} here cost a node and a CAS on each side per frame: at 10,000 clients, most of the
 * fan-out's allocation and a fifth of its time.) The idle flag is the classic handshake: the consumer that finds
 * the queue empty sets the flag and looks again; a producer claims its position and then looks at the flag
 * ({@link #claimWake}), so one of them always sees the other. Replayed frames go in outside the bounds
 * ({@link #offerUnbounded}): the history bounds them, and they share its bytes.
 *
 * <p><b>Threading.</b> Any number of producers; takers on any thread, usually one (the transport's {@link #poll}),
 * with a dropping producer or a closing thread at times ({@link #dropOldest}, {@link #clear}). No locks. A taker
 * that meets a position claimed but not yet stored waits the few instructions until it is, unless it holds frames
 * to return already. It never calls out: waking the consumer is the caller's job, after it has released whatever
 * locks it holds.
 *
 * <p><b>Memory.</b> Every client has one, idle or not, so its counters and flag are plain fields updated through
 * {@link VarHandle}s rather than atomic objects of their own; an idle queue holds one chunk.
 */
final class FrameQueue {
  private static final int BYTE_BITS = 40;
  private static final long BYTE_MASK = (1L << BYTE_BITS) - 1;
  private static final long ONE_EVENT = 1L << BYTE_BITS;
  /** Slots per chunk: a power of two, small enough that an idle queue's one chunk costs little. */
  static final int CHUNK = 16;
  private static final int CHUNK_MASK = CHUNK - 1;
  private static final VarHandle BOUNDED;
  private static final VarHandle UNBOUNDED;
  private static final VarHandle IDLE;
  private static final VarHandle TAIL;
  private static final VarHandle HEAD;
  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Frame[].class);

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      BOUNDED = lookup.findVarHandle(FrameQueue.class, "bounded", long.class);
      UNBOUNDED = lookup.findVarHandle(FrameQueue.class, "unbounded", long.class);
      IDLE = lookup.findVarHandle(FrameQueue.class, "idle", boolean.class);
      TAIL = lookup.findVarHandle(FrameQueue.class, "tail", long.class);
      HEAD = lookup.findVarHandle(FrameQueue.class, "head", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int maxEvents;
  private final long maxBytes;
  private volatile long bounded; // events << BYTE_BITS | bytes
  private volatile long unbounded; // the same, for replayed frames outside the bounds
  private volatile boolean idle;
  /** The next position a producer claims. */
  private volatile long tail;
  /** The next position to take; moved by CAS, so a dropping producer and the consumer never take one twice. */
  private volatile long head;
  /** A chunk at or before the tail's: where producers start looking for their position's chunk. */
  private volatile Chunk tailChunk;
  /** A chunk at or before the head's: where takers start looking, and producers when the tail's hint is ahead. */
  private volatile Chunk headChunk;

  /**
   * Makes an empty queue.
   *
   * @param maxEvents the most frames it holds within its bounds
   * @param maxBytes the most bytes it holds within its bounds
   */
  FrameQueue(int maxEvents, long maxBytes) {
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
    Chunk first = new Chunk(0);
    this.tailChunk = first;
    this.headChunk = first;
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
    append(frame);
    return true;
  }

  /** Appends a replayed frame outside the bounds. */
  void offerUnbounded(Frame frame) {
    long unused = (long) UNBOUNDED.getAndAdd(this, ONE_EVENT + frame.length()); // typed so: see #release
    append(new ReplayFrame(frame));
  }

  /**
   * Claims the next position and stores the frame in its slot. The position's chunk is found (and linked if new)
   * before the claim, so that nothing between the claim and the store can fail and leave a position claimed that
   * no frame ever fills. The claim (a CAS, a full fence) comes before the caller's look at the idle flag, which is
   * what the idle handshake needs: a consumer that saw the tail unmoved went idle before the claim, and the caller
   * then sees the flag.
   */
  private void append(Frame frame) {
    Chunk hint = tailChunk;
    long position;
    Chunk chunk;
    do {
      position = tail;
      chunk = chunkOf(position, hint.first <= position ? hint : headChunk);
    } while (!TAIL.compareAndSet(this, position, position + 1));
    SLOT.setRelease(chunk.slots, (int) (position & CHUNK_MASK), frame);
    if (chunk != hint) {
      tailChunk = chunk;
    }
  }

  /**
   * The chunk that holds a position, walking (and, for a producer, linking) chunks forward from one at or before it.
   * A position not yet taken is at or after the head, so the head's hint is never past it.
   */
  private static Chunk chunkOf(long position, Chunk from) {
    Chunk chunk = from;
    while (position >= chunk.first + CHUNK) {
      Chunk next = chunk.next;
      if (next == null) {
        Chunk made = new Chunk(chunk.first + CHUNK);
        next = Chunk.NEXT.compareAndSet(chunk, (Chunk) null, made) ? made : chunk.next;
      }
      chunk = next;
    }
    return chunk;
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
    for (;;) {
      long position = head;
      if (wentIdle(position)) {
        return null;
      }
      Frame frame = takeAt(position);
      if (frame != null) {
        return frame instanceof ReplayFrame replay ? replay.frame : frame;
      }
    }
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
    if (into.length == 0) {
      return 0;
    }
    for (;;) {
      long from = head;
      if (wentIdle(from)) {
        return 0;
      }
      long to = tail;
      Chunk start = chunkOf(from, headChunk);
      Chunk chunk = start;
      int count = 0;
      long bytes = 0;
      long boundedTaken = 0;
      long unboundedTaken = 0;
      long position = from;
      // Past the first frame, the batch ends at the array, the byte budget, the tail as it was, or a position
      // claimed but not yet stored: the consumer's next call takes it (or marks itself idle if nothing came).
      while (position < to && count < into.length && (count == 0 || bytes < maxBytes)) {
        if (position >= chunk.first + CHUNK) {
          chunk = chunkOf(position, chunk);
        }
        Frame frame = count == 0 ? stored(chunk, position) : slot(chunk, position);
        if (frame == null) {
          break;
        }
        int length = frame.length();
        if (frame instanceof ReplayFrame replay) {
          unboundedTaken += ONE_EVENT + length;
          into[count++] = replay.frame;
        } else {
          boundedTaken += ONE_EVENT + length;
          into[count++] = frame;
        }
        bytes += length;
        position++;
      }
      if (count == 0 || !HEAD.compareAndSet(this, from, position)) {
        continue; // a dropping producer or a closing thread took the head meanwhile: take again from where it is
      }
      headChunk = chunk;
      forget(start, from, position);
      if (boundedTaken != 0) {
        long unused = (long) BOUNDED.getAndAdd(this, -boundedTaken); // typed so: see #release
      }
      if (unboundedTaken != 0) {
        long unused = (long) UNBOUNDED.getAndAdd(this, -unboundedTaken);
      }
      return count;
    }
  }

  /**
   * The consumer's half of the idle handshake: whether the queue is empty at the head the consumer read, in which
   * case the consumer is now marked idle (a producer that claims a position then sees the flag and wakes it).
   */
  private boolean wentIdle(long from) {
    if (from != tail) {
      return false;
    }
    idle = true;
    if (from == tail) { // a producer may have claimed a position before it could see the flag
      return true;
    }
    idle = false;
    return false;
  }

  /**
   * Takes the frame at a position that is (or was, when the caller looked) the head, releasing its room.
   *
   * @return the frame, or {@code null} if another taker moved the head first
   */
  private @Nullable Frame takeAt(long position) {
    Chunk chunk = chunkOf(position, headChunk);
    Frame frame = stored(chunk, position);
    if (frame == null || !HEAD.compareAndSet(this, position, position + 1)) {
      return null;
    }
    headChunk = chunk;
    chunk.slots[(int) (position & CHUNK_MASK)] = null;
    release(frame);
    return frame;
  }

  private static @Nullable Frame slot(Chunk chunk, long position) {
    return (Frame) SLOT.getAcquire(chunk.slots, (int) (position & CHUNK_MASK));
  }

  /**
   * The frame at the head's position, waiting for its producer to store it: that producer claimed the position a
   * few instructions before, so this spins, and yields the core now and then in case the producer's thread is not
   * running.
   *
   * @return the frame, or {@code null} if another taker moved the head past the position meanwhile
   */
  private @Nullable Frame stored(Chunk chunk, long position) {
    for (int spins = 1; ; spins++) {
      Frame frame = slot(chunk, position);
      if (frame != null || head != position) {
        return frame;
      }
      if ((spins & 63) == 0) {
        Thread.yield();
      } else {
        Thread.onSpinWait();
      }
    }
  }

  /**
   * Clears the slots of positions taken, so that a client's queue holds no frame it has handed out (the frames of
   * one client's own sends can be large). No taker reads a position behind the head, and none is written twice.
   */
  private static void forget(Chunk start, long from, long to) {
    Chunk chunk = start;
    for (long position = from; position < to; position++) {
      if (position >= chunk.first + CHUNK) {
        chunk = requireNonNull(chunk.next);
      }
      chunk.slots[(int) (position & CHUNK_MASK)] = null;
    }
  }

  /** Drops the oldest frame to make room; returns whether there was one. */
  boolean dropOldest() {
    for (;;) {
      long position = head;
      if (position == tail) {
        return false;
      }
      if (takeAt(position) != null) {
        return true;
      }
    }
  }

  /** Drops every frame. */
  void clear() {
    while (dropOldest()) {
      // nothing more to do per frame
    }
  }

  boolean isEmpty() {
    return head == tail;
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
   * Takes a dropped frame out of its counter. Each call site names its {@link VarHandle} as a constant and keeps
   * the result: a handle chosen at run time, or a result dropped (a call typed {@code void}), makes the JIT adapt
   * the call through a generic guard on every frame instead of inlining one atomic add.
   */
  private void release(Frame frame) {
    long delta = -(ONE_EVENT + frame.length());
    long unused = frame instanceof ReplayFrame
        ? (long) UNBOUNDED.getAndAdd(this, delta)
        : (long) BOUNDED.getAndAdd(this, delta);
  }

  /**
   * {@value #CHUNK} consecutive positions of the queue, from {@link #first}. Its slots are written once each (by
   * the producer that claimed the position) and never cleared: a chunk the head has passed is garbage as a whole.
   */
  private static final class Chunk {
    static final VarHandle NEXT;

    static {
      try {
        NEXT = MethodHandles.lookup().findVarHandle(Chunk.class, "next", Chunk.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final long first;
    final Frame[] slots = new Frame[CHUNK];
    volatile @Nullable Chunk next;

    Chunk(long first) {
      this.first = first;
    }
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
