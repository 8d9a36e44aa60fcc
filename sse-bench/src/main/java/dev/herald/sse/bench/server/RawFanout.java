package dev.herald.sse.bench.server;

import io.netty.buffer.ByteBuf;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor: plain Netty writing one shared, pre-encoded direct buffer to every subscribed connection, with none of
 * Herald's queues, policies or history.
 *
 * <p>Each event is encoded once into a direct buffer (the same bytes Herald sends: an increasing {@code id:} and the
 * {@code data:} line). One task per event loop writes a retained duplicate of it to each of that loop's connections
 * and flushes each. The paced variant waits while any connection is unwritable or while more than a window of
 * events is still queued on the loops, so the producer runs as fast as the clients read and the outbound buffers
 * stay bounded.
 */
final class RawFanout implements Fanout {
  private static final int WINDOW = 64;

  private final Map<EventLoop, List<Channel>> loops = new ConcurrentHashMap<>();
  private final AtomicInteger clients = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger unwritable = new AtomicInteger();
  private final AtomicLong ids = new AtomicLong();
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
        List<Channel> channels = entry.getValue();
        ByteBuf shared = frame.retain();
        inFlight.incrementAndGet();
        entry.getKey().execute(() -> {
          try {
            for (int i = 0, n = channels.size(); i < n; i++) {
              Channel channel = channels.get(i);
              channel.write(new DefaultHttpContent(shared.retainedDuplicate()), channel.voidPromise());
              channel.flush();
            }
          } finally {
            shared.release();
            inFlight.decrementAndGet();
            wakeProducer();
          }
        });
      }
    } finally {
      frame.release();
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
