package dev.herald.sse.bench.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor: plain Netty writing one shared, pre-encoded direct buffer to every subscribed connection, with none of
 * Herald's queues, policies or history.
 *
 * <p>Each event is encoded once into a direct buffer (the same bytes Herald sends: an increasing 16-digit {@code id:},
 * numbered as Herald numbers by default, and the {@code data:} line) and queued for each event loop. A loop's task
 * writes every queued event, as a retained duplicate, to each of its connections as one HTTP chunk, then flushes each
 * connection once: the same batching as Herald's drain, so the floor is not handicapped by a chunk or a flush per
 * event. The paced variant waits while any connection is unwritable or while more than a window of events is still
 * queued on the loops, so the producer runs as fast as the clients read and the outbound buffers stay bounded.
 */
final class RawFanout implements Fanout {
  private static final int WINDOW = 64;

  private final Map<EventLoop, List<Channel>> loops = new ConcurrentHashMap<>();
  private final AtomicInteger clients = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger unwritable = new AtomicInteger();
  /**
   * Numbered as Herald numbers by default ({@code BroadcasterConfig.Builder.firstId}: the start time in milliseconds
   * times 1,000, plus one), so that each event is as many bytes as Herald's: the load tool, which shares the cores,
   * pays per byte it reads.
   */
  private final AtomicLong ids = new AtomicLong(System.currentTimeMillis() * 1_000);
  private final Map<EventLoop, Outbox> outboxes = new ConcurrentHashMap<>();
  private volatile Thread waiter;

  /** Adds a connection whose response headers are written; on its event loop. */
  void add(Channel channel) {
    loops.computeIfAbsent(channel.eventLoop(), loop -> new ArrayList<>()).add(channel);
    clients.incrementAndGet();
  }

  /** Removes a connection that closed; on its event loop. */
  void remove(Channel channel, boolean wasWritable) {
    List<Channel> list = loops.get(channel.eventLoop());
    if (list != null && list.remove(channel)) {
      clients.decrementAndGet();
      if (!wasWritable) {
        writable();
      }
    }
  }

  /** A connection's outbound buffer passed its high water mark. */
  void unwritable() {
    unwritable.incrementAndGet();
  }

  /** A connection's outbound buffer drained below its low water mark. */
  void writable() {
    unwritable.decrementAndGet();
    wakeProducer();
  }

  /** The id the next event gets. */
  long nextId() {
    return ids.get() + 1;
  }

  static ByteBuf encode(long id, String data) {
    byte[] bytes = ("id: " + id + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
    ByteBuf buffer = Unpooled.directBuffer(bytes.length);
    buffer.writeBytes(bytes);
    return buffer;
  }

  @Override
  public void send(String data) {
    ByteBuf frame = encode(ids.incrementAndGet(), data);
    try {
      for (Map.Entry<EventLoop, List<Channel>> entry : loops.entrySet()) {
        inFlight.incrementAndGet();
        outbox(entry.getKey(), entry.getValue()).add(frame.retain());
      }
    } finally {
      frame.release();
    }
  }

  private Outbox outbox(EventLoop loop, List<Channel> channels) {
    return outboxes.computeIfAbsent(loop, l -> new Outbox(l, channels));
  }

  /**
   * The events waiting for one event loop. One task drains them all: every event is written to every connection
   * of the loop, then each connection is flushed once, as Herald's drain does.
   */
  private final class Outbox implements Runnable {
    private final EventLoop loop;
    private final List<Channel> channels;
    private final ConcurrentLinkedQueue<ByteBuf> events = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final List<ByteBuf> batch = new ArrayList<>();

    Outbox(EventLoop loop, List<Channel> channels) {
      this.loop = loop;
      this.channels = channels;
    }

    void add(ByteBuf frame) {
      events.offer(frame);
      if (scheduled.compareAndSet(false, true)) {
        loop.execute(this);
      }
    }

    /**
     * The whole batch as one HTTP chunk, as Herald's drain writes what a client has queued: the shared buffers as
     * retained duplicates in one composite, which needs no copy, as they are direct.
     */
    private ByteBuf chunk(Channel channel) {
      if (batch.size() == 1) {
        return batch.get(0).retainedDuplicate();
      }
      CompositeByteBuf chunk = channel.alloc().compositeDirectBuffer(batch.size());
      for (int j = 0, m = batch.size(); j < m; j++) {
        chunk.addComponent(true, batch.get(j).retainedDuplicate());
      }
      return chunk;
    }

    @Override
    public void run() {
      scheduled.set(false);
      ByteBuf frame;
      while ((frame = events.poll()) != null) {
        batch.add(frame);
      }
      try {
        for (int i = 0, n = channels.size(); i < n; i++) {
          Channel channel = channels.get(i);
          channel.write(new DefaultHttpContent(chunk(channel)), channel.voidPromise());
          channel.flush();
        }
      } finally {
        for (ByteBuf written : batch) {
          written.release();
        }
        inFlight.addAndGet(-batch.size());
        batch.clear();
        wakeProducer();
      }
    }
  }

  @Override
  public void sendPaced(String data) throws InterruptedException {
    waiter = Thread.currentThread();
    try {
      while (unwritable.get() > 0 || inFlight.get() > WINDOW * Math.max(1, loops.size())) {
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(1));
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
    } finally {
      waiter = null;
    }
    send(data);
  }

  private void wakeProducer() {
    Thread thread = waiter;
    if (thread != null) {
      LockSupport.unpark(thread);
    }
  }

  @Override
  public int clients() {
    return clients.get();
  }
}
