package dev.herald.sse.bench.jmh;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
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

/**
 * CPU per event of the two compression designs in {@link CompressionDesigns}, on the same trace of ~300-byte JSON
 * events. One op is one event.
 *
 * <ul>
 *   <li>{@code perConnection}: one client's stream compresses and flushes the event; a broadcast to N clients costs
 *       N of these.
 *   <li>{@code perBroadcast}: the event is compressed once; a broadcast to N clients costs one of these, plus
 *       {@code perBroadcastClientShare} per client (the running CRC-32 of the client's own trailer, run over the
 *       event's bytes, as clients did until each event carried its own CRC-32; what they do now, combining the
 *       event's CRC-32 with theirs, is measured by {@link GzipTrailerBenchmark}).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CompressionBenchmark {
  @Param({"1", "6"})
  int level;

  private List<byte[]> trace;
  private int next;
  private CompressionDesigns.PerConnection stream;
  private CompressionDesigns.PerBroadcast once;
  private final CRC32 crc = new CRC32();
  private final ByteArrayOutputStream sink = new ByteArrayOutputStream(1 << 20);

  /** Makes the trace and the compressors. */
  @Setup(Level.Trial)
  public void setUp() {
    trace = CompressionDesigns.trace(1_000, 42);
    stream = new CompressionDesigns.PerConnection(level);
    stream.header();
    once = new CompressionDesigns.PerBroadcast(level);
  }

  /** Frees the compressors' native memory. */
  @TearDown(Level.Trial)
  public void tearDown() {
    stream.finish(new ByteArrayOutputStream());
    once.end();
  }

  private byte[] nextEvent() {
    byte[] frame = trace.get(next);
    next = next + 1 == trace.size() ? 0 : next + 1;
    return frame;
  }

  /**
   * One client's stream compresses and flushes one event.
   *
   * @return the compressed size, so that the work is not dropped
   */
  @Benchmark
  public int perConnection() {
    if (sink.size() > (1 << 19)) {
      sink.reset();
    }
    return stream.event(nextEvent(), sink);
  }

  /**
   * The event is compressed once, for every client.
   *
   * @return the compressed bytes
   */
  @Benchmark
  public byte[] perBroadcast() {
    return once.compress(nextEvent());
  }

  /**
   * What the per-broadcast design costs per client and event: its running CRC-32 of what it was sent.
   *
   * @return the CRC so far
   */
  @Benchmark
  public long perBroadcastClientShare() {
    crc.update(nextEvent());
    return crc.getValue();
  }
}
