package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.herald.sse.core.testing.FakeTransport;
import dev.herald.sse.spi.Frame;
import java.lang.ref.WeakReference;
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
    takeWhileProducingAndDropping(false);
  }

  /** The same, with the consumer taking batches. */
  @RepeatedTest(5)
  void everyFrameIsTakenOnceInBatchesWhileAnotherThreadDrops() {
    takeWhileProducingAndDropping(true);
  }

  @Test
  void aBatchTakesFramesInOrderUpToTheArrayOrTheBytesAndReleasesTheirRoom() {
    FrameQueue queue = new FrameQueue(4, 1_000);
    for (String text : List.of("a", "bb", "ccc", "dddd")) {
      assertThat(queue.offer(frame(text))).isTrue();
    }
    queue.offerUnbounded(frame("eeeee"));
    assertThat(queue.offer(frame("x"))).as("four events queued within the bounds").isFalse();

    Frame[] into = new Frame[2];
    assertThat(queue.poll(into, 1_000)).as("as many as the array holds").isEqualTo(2);
    assertThat(List.of(text(into[0]), text(into[1]))).containsExactly("a", "bb");
    assertThat(queue.boundedFrames()).isEqualTo(2);
    assertThat(queue.bytes()).isEqualTo(12);

    into = new Frame[10];
    assertThat(queue.poll(into, 3)).as("the bytes reach 3 with the first frame").isEqualTo(1);
    assertThat(text(into[0])).isEqualTo("ccc");
    assertThat(queue.poll(into, 1)).as("at least one frame, however small the budget").isEqualTo(1);
    assertThat(text(into[0])).isEqualTo("dddd");
    assertThat(queue.poll(into, 0)).isEqualTo(1);
    assertThat(into[0]).isNotInstanceOf(FrameQueue.ReplayFrame.class); // unwrapped for the transport
    assertThat(text(into[0])).isEqualTo("eeeee");

    assertThat(queue.frames()).isZero();
    assertThat(queue.bytes()).isZero();
    assertThat(queue.offer(frame("x"))).as("the room is free again").isTrue();
  }

  @Test
  void aBatchThatFindsNothingMarksTheConsumerIdleAndOneThatEmptiesTheQueueDoesNot() {
    FrameQueue queue = new FrameQueue(10, 1_000);
    Frame[] into = new Frame[10];
    assertThat(queue.offer(frame("a"))).isTrue();
    assertThat(queue.poll(into, 1_000)).isEqualTo(1);
    assertThat(queue.offer(frame("b"))).isTrue();
    assertThat(queue.claimWake()).as("the consumer took a frame: it will look again").isFalse();

    assertThat(queue.poll(into, 1_000)).isEqualTo(1);
    assertThat(queue.poll(into, 1_000)).isZero();
    assertThat(queue.offer(frame("c"))).isTrue();
    assertThat(queue.claimWake()).as("the consumer found nothing: it is idle").isTrue();
  }

  @Test
  void framesAcrossManyChunksComeOutInOrderWhateverTheBatchesAndDrops() {
    FrameQueue queue = new FrameQueue(1_000, 100_000);
    int offered = 0;
    int expected = 0;
    Frame[] into = new Frame[7];
    for (int round = 0; round < 20; round++) {
      for (int i = 0; i < FrameQueue.CHUNK + 3; i++) {
        assertThat(queue.offer(frame(Integer.toString(offered++)))).isTrue();
      }
      if (round % 3 == 0) {
        assertThat(queue.dropOldest()).isTrue();
        expected++;
      }
      int count = queue.poll(into, 1_000);
      assertThat(count).isEqualTo(into.length);
      for (int i = 0; i < count; i++) {
        assertThat(text(into[i])).isEqualTo(Integer.toString(expected++));
      }
    }
    Frame next;
    while ((next = queue.poll()) != null) {
      assertThat(text(next)).isEqualTo(Integer.toString(expected++));
    }
    assertThat(expected).isEqualTo(offered);
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.frames()).isZero();
    assertThat(queue.bytes()).isZero();
  }

  /**
   * A queue keeps no frame it has handed out or dropped: a client's own sends can be large, and an idle client's
   * queue lives as long as its connection.
   */
  @Test
  void framesTakenOrDroppedAreNotKeptByTheQueue() {
    FrameQueue queue = new FrameQueue(100, 1_000_000);
    List<WeakReference<Frame>> gone = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Frame frame = frame("x".repeat(1_000) + i);
      gone.add(new WeakReference<>(frame));
      assertThat(queue.offer(frame)).isTrue();
    }
    assertThat(queue.dropOldest()).isTrue();
    assertThat(queue.poll()).isNotNull();
    assertThat(queue.poll(new Frame[2], 1_000_000)).isEqualTo(2);
    Frame kept = queue.poll();
    assertThat(kept).isNotNull();
    assertThat(queue.offer(frame("later"))).as("the queue stays in use").isTrue();

    FakeTransport.Await.until(() -> {
      System.gc();
      return gone.subList(0, 4).stream().allMatch(ref -> ref.get() == null);
    }, () -> "the four frames taken or dropped are still reachable");
    assertThat(gone.get(4).get()).as("the one still referenced here").isSameAs(kept);
  }

  private void takeWhileProducingAndDropping(boolean batches) {
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
    Frame[] batch = new Frame[batches ? 16 : 1];
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      start.countDown();
      while (producing.get() > 0 || !queue.isEmpty()) {
        int count;
        if (batches) {
          count = queue.poll(batch, 64);
        } else {
          batch[0] = queue.poll();
          count = batch[0] == null ? 0 : 1;
        }
        for (int i = 0; i < count; i++) {
          String[] parts = text(batch[i]).split(":");
          int producer = Integer.parseInt(parts[0]);
          int n = Integer.parseInt(parts[1]);
          assertThat(n).isGreaterThanOrEqualTo(next[producer]);
          next[producer] = n + 1;
          taken[0]++;
        }
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
