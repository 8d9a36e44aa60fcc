package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.herald.sse.spi.Frame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The client's queue on its own: bounds, order, the idle handshake, and takers on several threads. */
class FrameQueueTest {

  private static Frame frame(String text) {
    return new ByteFrame(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(Frame frame) {
    return frame.toString();
  }

  @Test
  void takesFramesInOrderAndCountsThem() {
    FrameQueue queue = new FrameQueue(10, 1_000);
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.offer(frame("a"))).isTrue();
    assertThat(queue.offer(frame("bb"))).isTrue();
    queue.offerUnbounded(frame("ccc"));

    assertThat(queue.isEmpty()).isFalse();
    assertThat(queue.boundedFrames()).isEqualTo(2);
    assertThat(queue.frames()).isEqualTo(3);
    assertThat(queue.bytes()).isEqualTo(6);
    assertThat(text(queue.poll())).isEqualTo("a");
    assertThat(text(queue.poll())).isEqualTo("bb");
    Frame replayed = queue.poll();
    assertThat(replayed).isNotInstanceOf(FrameQueue.ReplayFrame.class); // unwrapped for the transport
    assertThat(text(replayed)).isEqualTo("ccc");
    assertThat(queue.poll()).isNull();
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.frames()).isZero();
    assertThat(queue.bytes()).isZero();
  }

  @Test
  void refusesFramesBeyondEitherBoundOrTheWatermark() {
    FrameQueue queue = new FrameQueue(2, 5);
    assertThat(queue.offer(frame("abc"))).isTrue();
    assertThat(queue.offer(frame("def"))).isFalse(); // 6 bytes
    assertThat(queue.offer(frame("d"), 1)).isFalse(); // the watermark of a paced send
    assertThat(queue.offer(frame("d"))).isTrue();
    assertThat(queue.offer(frame("e"))).isFalse(); // 2 events
    assertThat(queue.dropOldest()).isTrue();
    assertThat(queue.offer(frame("e"))).isTrue();
    queue.clear();
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.dropOldest()).isFalse();
    assertThat(queue.frames()).isZero();
    assertThat(queue.offer(frame("f"))).isTrue();
    assertThat(text(queue.poll())).isEqualTo("f");
  }

  @Test
  void aConsumerThatFoundTheQueueEmptyIsWokenByTheNextProducerOnly() {
    FrameQueue queue = new FrameQueue(10, 1_000);
    assertThat(queue.claimWake()).isFalse(); // never idle yet
    assertThat(queue.poll()).isNull(); // now idle
    assertThat(queue.offer(frame("a"))).isTrue();
    assertThat(queue.claimWake()).isTrue();
    assertThat(queue.offer(frame("b"))).isTrue();
    assertThat(queue.claimWake()).isFalse(); // claimed once
    assertThat(text(queue.poll())).isEqualTo("a");
  }

  /**
   * Producers append numbered frames while the consumer polls and another thread drops the oldest: every frame is
   * taken exactly once, each producer's in its order, and the counters end at zero.
   */
  @RepeatedTest(5)
  void everyFrameIsTakenOnceInEachProducersOrderWhileAnotherThreadDrops() {
    int producers = 3;
    int perProducer = 20_000;
    FrameQueue queue = new FrameQueue(Integer.MAX_VALUE, Long.MAX_VALUE >>> 30);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger producing = new AtomicInteger(producers);
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      String prefix = p + ":";
      threads.add(new Thread(() -> {
        await(start);
        for (int i = 0; i < perProducer; i++) {
          queue.offer(frame(prefix + i));
        }
        producing.decrementAndGet();
      }));
    }
    AtomicInteger dropped = new AtomicInteger();
    threads.add(new Thread(() -> {
      await(start);
      while (producing.get() > 0) {
        if (queue.dropOldest()) {
          dropped.incrementAndGet();
        }
      }
    }));
    threads.forEach(Thread::start);
    int[] next = new int[producers];
    int[] taken = {0};
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      start.countDown();
      while (producing.get() > 0 || !queue.isEmpty()) {
        Frame frame = queue.poll();
        if (frame == null) {
          continue;
        }
        String[] parts = text(frame).split(":");
        int producer = Integer.parseInt(parts[0]);
        int n = Integer.parseInt(parts[1]);
        assertThat(n).isGreaterThanOrEqualTo(next[producer]);
        next[producer] = n + 1;
        taken[0]++;
      }
      for (Thread thread : threads) {
        thread.join();
      }
    });
    assertThat(taken[0] + dropped.get()).isEqualTo(producers * perProducer);
    assertThat(queue.poll()).isNull();
    assertThat(queue.frames()).isZero();
    assertThat(queue.bytes()).isZero();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
