package dev.herald.sse.core.testing;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.testkit.parser.EventStreamParser;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * An in-memory transport for engine tests: drains an {@link SseChannel} on its own single "I/O" thread, as a real
 * transport does on its event loop, and reads what it drains with an {@link EventStreamParser}.
 *
 * <p>It can be paused, like a socket whose client stopped reading: a paused transport does not poll, so the
 * channel fills up; resuming drains again, as a transport does when its socket becomes writable.
 *
 * <p><b>Threading.</b> Drains run on the transport's own thread; the accessors may be called from any thread and
 * return snapshots.
 */
public final class FakeTransport implements AutoCloseable {
  private final SseChannel channel;
  private final ExecutorService loop;
  private final EventStreamParser parser = new EventStreamParser();
  private final StringBuilder wire = new StringBuilder();
  private final AtomicInteger wakeups = new AtomicInteger();
  private volatile boolean paused;
  private volatile boolean ended;

  private FakeTransport(SseChannel channel, boolean paused) {
    this.channel = requireNonNull(channel, "channel");
    this.paused = paused;
    this.loop = Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "fake-transport");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Starts draining a channel.
   *
   * @param channel the channel to serve
   * @return the running transport
   */
  public static FakeTransport serve(SseChannel channel) {
    return start(new FakeTransport(channel, false));
  }

  /**
   * Starts serving a channel whose client reads nothing until {@link #resume()}.
   *
   * @param channel the channel to serve
   * @return the paused transport
   */
  public static FakeTransport servePaused(SseChannel channel) {
    return start(new FakeTransport(channel, true));
  }

  private static FakeTransport start(FakeTransport transport) {
    transport.channel.start(() -> {
      transport.wakeups.incrementAndGet();
      transport.loop.execute(transport::drain);
    });
    transport.loop.execute(transport::drain);
    return transport;
  }

  /** Stops reading, like a client whose socket buffer is full. */
  public void pause() {
    paused = true;
  }

  /** Reads again, like a socket that became writable. */
  public void resume() {
    paused = false;
    loop.execute(this::drain);
  }

  private void drain() {
    if (paused || ended) {
      return;
    }
    Frame frame;
    while ((frame = channel.poll()) != null) {
      byte[] bytes = new byte[frame.length()];
      frame.buffer().get(bytes);
      synchronized (this) {
        parser.feed(bytes);
        wire.append(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
      }
      if (paused) {
        return;
      }
    }
    if (channel.isClosed() && !channel.hasPending()) {
      ended = true;
      channel.ended();
    }
  }

  /**
   * Returns the events read so far.
   *
   * @return a snapshot of the dispatched events
   */
  public synchronized List<EventStreamParser.MessageEvent> events() {
    return List.copyOf(parser.events());
  }

  /**
   * Returns the data of the events read so far.
   *
   * @return a snapshot of each event's data, in order
   */
  public synchronized List<String> data() {
    return parser.events().stream().map(EventStreamParser.MessageEvent::data).toList();
  }

  /**
   * Returns the comments read so far.
   *
   * @return a snapshot of the comments
   */
  public synchronized List<String> comments() {
    return List.copyOf(parser.comments());
  }

  /**
   * Returns every byte read so far, as text.
   *
   * @return the wire so far
   */
  public synchronized String wire() {
    return wire.toString();
  }

  /**
   * Returns how often the channel woke this transport.
   *
   * @return the number of wake-ups
   */
  public int wakeups() {
    return wakeups.get();
  }

  /**
   * Tells whether the stream ended: the channel closed and everything it held was read.
   *
   * @return {@code true} once the transport saw the end of the stream
   */
  public boolean ended() {
    return ended;
  }

  /**
   * Waits until this transport has read at least {@code count} events.
   *
   * @param count how many events
   * @return the events read
   * @throws AssertionError if they do not arrive within ten seconds
   */
  public List<EventStreamParser.MessageEvent> awaitEvents(int count) {
    Await.until(() -> events().size() >= count,
        () -> "expected " + count + " events, got " + events().size() + ": " + channel);
    return events();
  }

  /**
   * Waits until the stream has ended.
   *
   * @throws AssertionError if it does not end within ten seconds
   */
  public void awaitEnded() {
    Await.until(this::ended, () -> "stream did not end: " + channel);
  }

  /** Stops the transport's thread. */
  @Override
  public void close() {
    loop.shutdownNow();
  }

  /** Waiting for conditions with a deadline, never a fixed sleep. */
  public static final class Await {
    private static final Duration DEFAULT = Duration.ofSeconds(10);

    private Await() {}

    /**
     * Waits until a condition holds, polling it, for at most ten seconds.
     *
     * @param condition the condition
     * @param message describes the failure
     * @throws AssertionError if the deadline passes first
     */
    public static void until(BooleanSupplier condition, java.util.function.Supplier<String> message) {
      long deadline = System.nanoTime() + DEFAULT.toNanos();
      while (!condition.getAsBoolean()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(message.get());
        }
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        if (Thread.interrupted()) {
          throw new AssertionError("interrupted");
        }
      }
    }
  }
}
