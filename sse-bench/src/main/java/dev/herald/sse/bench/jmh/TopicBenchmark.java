package dev.herald.sse.bench.jmh;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What a publish to a topic costs among many clients and topics, against a broadcast to as few clients (issue 15):
 *
 * <ul>
 *   <li>{@code publishTo10Among100k}: a publish to a topic of 10 clients, while 100,000 other clients are connected,
 *       each on a topic of its own (100,000 topics); then the 10 clients' drain. It should cost about what
 *       {@code broadcastTo10} costs: the topic index finds the 10 without looking at the others.
 *   <li>{@code broadcastTo10}: a broadcast to a broadcaster of 10 clients, and their drain.
 *   <li>{@code matchAmong100kPatterns}: a publish matched against 100,000 pattern subscriptions ({@code p/N/*}, one
 *       client each), reaching one of them; in sample mode, so the results give the median and p99.
 * </ul>
 *
 * <p>Run with {@code jmh -prof gc Topic}; the setup subscribes 200,000 clients, so give the JVM a heap of 2 GiB or
 * more ({@code -jvmArgs -Xmx2g}).
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class TopicBenchmark {
  private static final int CROWD = 100_000;

  private Broadcaster crowded;
  private Broadcaster small;
  private SseChannel[] hot;
  private SseChannel[] smallClients;
  private SseChannel patternMatched;
  private Data event;

  @Setup(Level.Trial)
  public void setUp() {
    BroadcasterConfig config = BroadcasterConfig.builder().heartbeat(Duration.ZERO).build();
    crowded = Broadcasters.create(config);
    small = Broadcasters.create(config);
    event = Data.of(Payloads.text(64));
    hot = new SseChannel[10];
    smallClients = new SseChannel[10];
    for (int i = 0; i < 10; i++) {
      hot[i] = started(crowded.subscribe(null, List.of("hot")));
      smallClients[i] = started(small.subscribe(null));
    }
    for (int i = 0; i < CROWD; i++) {
      started(crowded.subscribe(null, List.of("t/" + i)));
      // p/4242/* is patternMatched's alone: a crowd client on it would never drain, and be cut as slow mid-run.
      started(crowded.subscribe(null, List.of("p/" + (i == 4242 ? CROWD : i) + "/*")));
    }
    patternMatched = crowded.subscribe(null, List.of("p/4242/*"));
    started(patternMatched);
  }

  private static SseChannel started(SseChannel channel) {
    channel.start(() -> { });
    return channel;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    crowded.close();
    small.close();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public void publishTo10Among100k(Blackhole blackhole) {
    blackhole.consume(crowded.publish("hot", event));
    drain(hot, blackhole);
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public void broadcastTo10(Blackhole blackhole) {
    blackhole.consume(small.broadcast(event));
    drain(smallClients, blackhole);
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void matchAmong100kPatterns(Blackhole blackhole) {
    blackhole.consume(crowded.publish("p/4242/x", event));
    drain(new SseChannel[] {patternMatched}, blackhole);
  }

  private static void drain(SseChannel[] channels, Blackhole blackhole) {
    for (SseChannel channel : channels) {
      Frame frame;
      while ((frame = channel.poll()) != null) {
        blackhole.consume(frame);
      }
    }
  }
}
