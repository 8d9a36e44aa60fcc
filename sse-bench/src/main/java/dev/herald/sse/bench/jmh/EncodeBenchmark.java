package dev.herald.sse.bench.jmh;

import dev.herald.sse.Data;
import dev.herald.sse.core.EventEncoder;
import dev.herald.sse.spi.Frame;
import java.util.concurrent.TimeUnit;
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
 * Encoding one event into its frame: a 64-byte single-line payload and a 1 KiB payload of 16 lines, each with an
 * id and an event name. Run with {@code -prof gc} for the bytes allocated per encoding.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EncodeBenchmark {

  @Param({"single-64", "multiline-1k"})
  public String shape;

  private Data event;

  @Setup
  public void setUp() {
    String data = switch (shape) {
      case "single-64" -> Payloads.text(64);
      case "multiline-1k" -> Payloads.lines(1024, 16);
      default -> throw new IllegalArgumentException(shape);
    };
    event = Data.of(data).withName("update").withId("1234567");
  }

  @Benchmark
  public Frame encode() {
    return EventEncoder.encode(event);
  }
}
