package dev.herald.sse.core.internal;

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
 * appends to a linked list of its own: one atomic swap of the tail, then a store that links the node, so producers
 * never retry. A taker moves the head with a CAS (the consumer and, for the overflow policy or a close, producers
 * take frames). Every broadcast offers each client a frame and its transport takes it, so this is the engine's
 * cost per event and client: the list's ends are fields of this object rather than of a queue of its own, which
 * spares one object to reach and one atomic step per frame ({@code ConcurrentLinkedQueue}'s appends retry and its
 * takes CAS each node's item).
 *
 * <p>The idle flag is the classic handshake: the consumer that finds the queue empty sets the flag and looks again;
 * a producer links its frame and then looks at the flag ({@link #claimWake}), so one of them always sees the other.
 * Replayed frames go in outside the bounds ({@link #offerUnbounded}): the history bounds them, and they share its
 * bytes.
 *
 * <p><b>Threading.</b> Any number of producers, one consumer ({@link #poll}), and takers that drop frames
 * ({@link #dropOldest}, {@link #clear}) from any thread; no locks. It never calls out: waking
 * the consumer is the caller's job, after it has released whatever locks it holds.
 *
 * <p><b>Memory.</b> Every client has one, idle or not, so its counters, flag and list ends are plain fields updated
 * through {@link VarHandle}s rather than atomic objects of their own; an empty queue holds one node and no frame.
 */
final class FrameQueue {
  private static final int BYTE_BITS = 40;
  private static final long BYTE_MASK = (1L << BYTE_BITS) - 1;
  private static final long ONE_EVENT = 1L << BYTE_BITS;
  private static final VarHandle BOUNDED;
  private static final VarHandle UNBOUNDED;
  private static final VarHandle IDLE;
  private static final VarHandle HEAD;
  private static final VarHandle TAIL;
  private static final VarHandle NEXT;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      BOUNDED = lookup.findVarHandle(FrameQueue.class, "bounded", long.class);
      UNBOUNDED = lookup.findVarHandle(FrameQueue.class, "unbounded", long.class);
      IDLE = lookup.findVarHandle(FrameQueue.class, "idle", boolean.class);
      HEAD = lookup.findVarHandle(FrameQueue.class, "head", Node.class);
      TAIL = lookup.findVarHandle(FrameQueue.class, "tail", Node.class);
      NEXT = lookup.findVarHandle(Node.class, "next", Node.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int maxEvents;
  private final long maxBytes;
  /** The node before the oldest frame: its own frame is taken already. Moved by takers only. */
  private volatile Node head;
  /** The newest node; swapped by producers. */
  private volatile Node tail;
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
    Node sentinel = new Node(null);
    this.head = sentinel;
    this.tail = sentinel;
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
    Frame frame = take();
    if (frame == null) {
      idle = true;
      frame = take(); // a producer may have appended before it could see the flag
      if (frame == null) {
        return null;
      }
      idle = false;
    }
    release(frame);
    return frame instanceof ReplayFrame replay ? replay.frame : frame;
  }

  /** Drops the oldest frame to make room; returns whether there was one. */
  boolean dropOldest() {
    Frame oldest = take();
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

  /**
   * Whether no frame is queued. A producer between its swap and its link counts as not having appended yet, as
   * one that has not reached {@link #append}: it claims the wake-up after linking.
   */
  boolean isEmpty() {
    return NEXT.getAcquire(head) == null;
  }

  /** Appends a frame whose room is reserved: swaps the tail, then links the previous tail to it. */
  private void append(Frame frame) {
    Node node = new Node(frame);
    Node previous = (Node) TAIL.getAndSet(this, node);
    NEXT.setRelease(previous, node);
  }

  /**
   * Takes the oldest frame, or returns {@code null} if none is linked yet. Safe for several takers at once: the one
   * whose CAS moves the head past a node owns that node's frame.
   */
  private @Nullable Frame take() {
    while (true) {
      Node first = head;
      Node next = (Node) NEXT.getAcquire(first);
      if (next == null) {
        return null;
      }
      if (next == first) {
        continue; // taken meanwhile (see below): read the new head
      }
      if (HEAD.compareAndSet(this, first, next)) {
        Frame frame = next.frame;
        next.frame = null; // the node is the head now: only this taker read its frame, and no one keeps it
        // The old head is garbage: linking it to itself keeps it from holding the live nodes (if it reached the
        // old generation before them) and tells a taker that read it as the head to read again.
        NEXT.setRelease(first, first);
        return frame;
      }
    }
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

  /** One queued frame and the link to the next; a head's frame is taken already. */
  private static final class Node {
    @Nullable Frame frame;
    volatile @Nullable Node next;

    Node(@Nullable Frame frame) {
      this.frame = frame;
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
