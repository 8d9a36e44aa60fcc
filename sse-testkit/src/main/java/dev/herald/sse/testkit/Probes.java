package dev.herald.sse.testkit;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What a reliability test measures about its own process: threads, open file descriptors, live heap and direct
 * memory; and waiting for a condition with a deadline.
 */
public final class Probes {
  private Probes() {}

  /**
   * Waits until a condition holds, polling it with a short park, for at most the timeout.
   *
   * @param timeout the deadline
   * @param condition the condition
   * @param message describes the failure
   * @throws AssertionError if the deadline passes first
   */
  public static void await(Duration timeout, BooleanSupplier condition, Supplier<String> message) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + ": " + message.get());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
  }

  /**
   * Returns the number of live threads.
   *
   * @return the count
   */
  public static int threads() {
    return Thread.activeCount();
  }

  /**
   * Returns the names of the live threads, for a failure message.
   *
   * @return the names, sorted
   */
  public static Set<String> threadNames() {
    Set<String> names = new TreeSet<>();
    Thread.getAllStackTraces().keySet().forEach(thread -> names.add(thread.getName()));
    return names;
  }

  /**
   * Returns the number of open file descriptors of this process ({@code /proc/self/fd}).
   *
   * @return the count, or -1 where {@code /proc} is not available
   */
  public static int openFileDescriptors() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return (int) fds.count();
    } catch (IOException e) {
      return -1;
    }
  }

  /**
   * Returns the heap in use after a few full collections: roughly the live heap.
   *
   * @return bytes
   */
  @SuppressWarnings("removal")
  public static long liveHeapAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      System.runFinalization();
      Runtime runtime = Runtime.getRuntime();
      used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
    }
    return used;
  }

  /**
   * Returns the direct memory the JVM's NIO buffer pool holds (Netty's pooled direct arenas included when they
   * allocate through NIO).
   *
   * @return bytes
   */
  public static long directMemoryUsed() {
    long used = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        used += pool.getMemoryUsed();
      }
    }
    return used;
  }
}
