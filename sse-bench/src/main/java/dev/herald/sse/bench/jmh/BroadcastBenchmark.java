package dev.herald.sse.bench.jmh;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.micrometer.BroadcasterMetrics;
import dev.herald.sse.micrometer.DeliveryDelayRecorder;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.spi.Frame;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One broadcast to 1, 100 or 10,000 in-memory clients, with a 64-byte or a 1 KiB payload.
 *
 * <ul>
 *   <li>{@code inline}: the benchmark thread broadcasts, then drains every client's channel itself with a no-op
 *       write (each {@code poll()} is one client's transport taking the frame). One op is one broadcast and every
 *       client's drain of it.
 *   <li>{@code thread}: one consumer thread drains the channels that the engine wakes, as a transport's event loop
 *       does; the producer uses {@code broadcastPaced} and awaits it, so it runs as fast as the consumer reads.
 * </ul>
 *
 * <p>With {@code -prof gc}, {@code gc.alloc.rate.norm} is the bytes allocated per broadcast. It must not grow with
 * the payload per client: the event is encoded once and every channel holds the same frame.
 *
 * <p>{@code -p metrics=off,on} measures what {@code sse-micrometer} costs the engine: {@code on} binds the
 * broadcaster's meters, the delivery delay timer included, to a {@link SimpleMeterRegistry} (default {@code off}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BroadcastBenchmark {

  @Param({"1", "100", "10000"})
  public int clients;

  @Param({"64", "1024"})
  public int size;

  @Param({"inline", "thread"})
  public String drain;

  @Param({"off"})
  public String metrics;

  private Broadcaster broadcaster;
  private SseChannel[] channels;
  private Data event;
  private Consumer consumer;

  @Setup(Level.Trial)
  public void setUp() {
    DeliveryDelayRecorder delays = metrics.equals("on") ? new DeliveryDelayRecorder() : null;
    broadcaster = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO)
        .deliveryObserver(delays).build());
    if (delays != null) {
      new BroadcasterMetrics(broadcaster, delays).bindTo(new SimpleMeterRegistry());
    }
    event = Data.of(Payloads.text(size));
    channels = new SseChannel[clients];
    if (drain.equals("thread")) {
      consumer = new Consumer();
    }
    for (int i = 0; i < clients; i++) {
      SseChannel channel = broadcaster.subscribe(null);
      channels[i] = channel;
      if (consumer != null) {
        Consumer c = consumer;
        channel.start(() -> c.ready(channel));
        c.ready(channel);
      } else {
        channel.start(() -> { });
      }
    }
    if (consumer != null) {
      consumer.start();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (consumer != null) {
      consumer.stop();
    }
    int open = broadcaster.clientCount();
    broadcaster.close();
    if (open != clients) {
      throw new IllegalStateException("only " + open + " of " + clients + " clients stayed connected");
    }
  }

  @Benchmark
  public void broadcast(Blackhole blackhole) {
    if (consumer != null) {
      broadcaster.broadcastPaced(event).toCompletableFuture().join();
      return;
    }
    blackhole.consume(broadcaster.broadcast(event));
    for (SseChannel channel : channels) {
      Frame frame;
      while ((frame = channel.poll()) != null) {
        blackhole.consume(frame);
      }
    }
  }

  /** One thread that drains woken channels, like an event loop serving every client. */
  private static final class Consumer implements Runnable {
    private final ConcurrentLinkedQueue<SseChannel> ready = new ConcurrentLinkedQueue<>();
    private final Thread thread = new Thread(this, "consumer");
    private volatile boolean running = true;
    private long frames;

    void ready(SseChannel channel) {
      ready.offer(channel);
      LockSupport.unpark(thread);
    }

    void start() {
      thread.setDaemon(true);
      thread.start();
    }

    void stop() {
      running = false;
      LockSupport.unpark(thread);
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void run() {
      while (running) {
        SseChannel channel = ready.poll();
        if (channel == null) {
          LockSupport.park(this);
          continue;
        }
        while (channel.poll() != null) {
          frames++;
        }
      }
      if (frames < 0) {
        throw new AssertionError(); // keeps the count, and so the drain, from being optimised away
      }
    }
  }
}
