package dev.herald.sse.bench.jmh;

import dev.herald.sse.core.internal.Crc32Combine;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What Herald's gzip costs per client and event for the trailer's CRC-32, the only per-client work of the
 * compressed-once design ({@code GzipChannel}). One op is one client sending one event of {@code eventBytes}.
 *
 * <ul>
 *   <li>{@code crcUpdate}: the client runs {@link CRC32} over the event's uncompressed bytes (what it did before
 *       the combine; linear in the event's length, with the JDK's CRC-32 intrinsic).
 *   <li>{@code combineWithFrameOperator}: the client combines its CRC-32 with the event's, using the operator the
 *       frame carries, computed once when it was compressed (what it does now; one product modulo the CRC
 *       polynomial, whatever the length).
 *   <li>{@code combineBitwise}: the same combine with zlib's product a bit at a time ({@code multmodp}), to show what
 *       the byte-at-a-time product saves.
 *   <li>{@code combineFromLength}: the same, with the operator computed by each client from the length (O(log n)
 *       products), to show what carrying it in the frame saves.
 * </ul>
 *
 * <p>Uses {@code sse-core}'s internal {@link Crc32Combine}, the code being measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GzipTrailerBenchmark {
  /** 311 B is the trace's average event ({@link CompressionDesigns#trace}); then larger events. */
  @Param({"311", "4096", "65536"})
  int eventBytes;

  private byte[] event;
  private int eventCrc;
  private int operator;
  private final CRC32 crc = new CRC32();
  private int combined;

  /** Makes an event of the size and what compressing it once computes for the trailer. */
  @Setup
  public void setUp() {
    event = new byte[eventBytes];
    new SplittableRandom(18).nextBytes(event);
    CRC32 once = new CRC32();
    once.update(event);
    eventCrc = (int) once.getValue();
    operator = Crc32Combine.operator(eventBytes);
  }

  /**
   * The client's running CRC-32 over the event's bytes.
   *
   * @return the CRC so far
   */
  @Benchmark
  public long crcUpdate() {
    crc.update(event);
    return crc.getValue();
  }

  /**
   * The client's CRC-32 combined with the event's, with the frame's operator.
   *
   * @return the CRC so far
   */
  @Benchmark
  public int combineWithFrameOperator() {
    combined = Crc32Combine.combine(combined, eventCrc, operator);
    return combined;
  }

  /**
   * The client's CRC-32 combined with the event's, with the frame's operator and zlib's bit-at-a-time product.
   *
   * @return the CRC so far
   */
  @Benchmark
  public int combineBitwise() {
    combined = Crc32Combine.multiplyBitwise(operator, combined) ^ eventCrc;
    return combined;
  }

  /**
   * The client's CRC-32 combined with the event's, with an operator computed from the event's length.
   *
   * @return the CRC so far
   */
  @Benchmark
  public int combineFromLength() {
    combined = Crc32Combine.combine(combined, eventCrc, Crc32Combine.operator(eventBytes));
    return combined;
  }
}
