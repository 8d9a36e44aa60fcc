package dev.herald.sse.webflux;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Netty's leak detector, made to fail tests: installed for the whole test JVM with the system property
 * {@code io.netty.customResourceLeakDetector} (see this module's pom), it records every leak Netty reports, on top
 * of logging it, so a test can assert there were none. With {@code io.netty.leakDetection.level=paranoid} every
 * buffer is tracked.
 *
 * @param <T> the tracked resource type
 */
public final class LeakRecorder<T> extends ResourceLeakDetector<T> {
  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
  private static volatile boolean constructed;

  /**
   * Made by Netty's {@code ResourceLeakDetectorFactory}.
   *
   * @param resourceType the tracked type
   * @param samplingInterval how often to sample below paranoid
   */
  public LeakRecorder(Class<?> resourceType, int samplingInterval) {
    super(resourceType, samplingInterval);
    constructed = true;
  }

  /**
   * Made by Netty's {@code ResourceLeakDetectorFactory}.
   *
   * @param resourceType the tracked type
   * @param samplingInterval how often to sample below paranoid
   * @param maxActive ignored by Netty
   */
  public LeakRecorder(Class<?> resourceType, int samplingInterval, long maxActive) {
    this(resourceType, samplingInterval);
  }

  @Override
  protected void reportTracedLeak(String resourceType, String records) {
    LEAKS.add(resourceType + " leaked:" + records);
    super.reportTracedLeak(resourceType, records);
  }

  @Override
  protected void reportUntracedLeak(String resourceType) {
    LEAKS.add(resourceType + " leaked (untraced)");
    super.reportUntracedLeak(resourceType);
  }

  /** Tells whether Netty made its detectors from this class at paranoid level, so a leak check is not vacuous. */
  static boolean installed() {
    Unpooled.buffer(1).release(); // makes sure the buffer classes, and their detectors, exist
    return constructed && ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.PARANOID;
  }

  /**
   * Collects garbage, makes Netty poll its leak queues (it does on each new tracked allocation), and returns what
   * leaked since the last call.
   *
   * @return the leak reports, empty if none
   */
  static List<String> drain() {
    for (int i = 0; i < 5; i++) {
      System.gc();
      // Each tracked allocation polls the reference queue of collected, unreleased buffers and reports them.
      for (ByteBufAllocator allocator : List.of(PooledByteBufAllocator.DEFAULT, ByteBufAllocator.DEFAULT)) {
        allocator.directBuffer(1).release();
        allocator.heapBuffer(1).release();
      }
      Unpooled.buffer(1).release();
    }
    List<String> leaks = new ArrayList<>(LEAKS);
    LEAKS.clear();
    return leaks;
  }
}
