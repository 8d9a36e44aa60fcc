package dev.herald.sse.bench.jmh;

import dev.herald.sse.Data;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.Channels;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.spi.Frame;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One client's channel under 1 or 4 producer threads and one consumer thread.
 *
 * <p>Producers call {@code Sender.trySend} with a 64-byte event, which encodes it (see {@link EncodeBenchmark} for
 * that share) and offers it: one CAS on the packed count and a lock-free append. The consumer polls as a transport's
 * drain does. The {@code sent} and {@code full} counters tell offers that were queued from those refused because
 * the consumer had fallen a whole queue (64 Ki events) behind; {@code polled} counts frames taken.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChannelBenchmark {

  @State(Scope.Group)
  public static class Shared {
    SseChannel channel;
    Data event;

    @Setup(Level.Trial)
    public void setUp() {
      channel = Channels.open(ChannelConfig.builder()
          .maxQueuedEvents(1 << 16)
          .maxQueuedBytes(64L << 20)
          .build(), null);
      channel.start(() -> { });
      event = Data.of(Payloads.text(64));
    }
  }

  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Offers {
    public long sent;
    public long full;

    @Setup(Level.Iteration)
    public void reset() {
      sent = 0;
      full = 0;
    }
  }

  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Polls {
    public long polled;

    @Setup(Level.Iteration)
    public void reset() {
      polled = 0;
    }
  }

  @Benchmark
  @Group("producers1")
  @GroupThreads(1)
  public boolean offer1(Shared shared, Offers offers) {
    return offer(shared, offers);
  }

  @Benchmark
  @Group("producers1")
  @GroupThreads(1)
  public Frame drain1(Shared shared, Polls polls) {
    return poll(shared, polls);
  }

  @Benchmark
  @Group("producers4")
  @GroupThreads(4)
  public boolean offer4(Shared shared, Offers offers) {
    return offer(shared, offers);
  }

  @Benchmark
  @Group("producers4")
  @GroupThreads(1)
  public Frame drain4(Shared shared, Polls polls) {
    return poll(shared, polls);
  }

  private static boolean offer(Shared shared, Offers offers) {
    boolean queued = shared.channel.sender().trySend(shared.event);
    if (queued) {
      offers.sent++;
    } else {
      offers.full++;
    }
    return queued;
  }

  private static Frame poll(Shared shared, Polls polls) {
    Frame frame = shared.channel.poll();
    if (frame != null) {
      polls.polled++;
    } else {
      Thread.onSpinWait();
    }
    return frame;
  }
}
