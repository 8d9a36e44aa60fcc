package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.RepeatedTest;

/**
 * A client cut (as slow, say) while its transport is taking frames: the close empties the queue from another
 * thread, and what the transport is handed must still be the stream's frames in order with none skipped, ending
 * wherever the cut came. A frame handed out after frames the close took would be a gap no client hears of.
 */
class CloseWhileTakingTest {
  private static final int EVENTS = 100_000;

  @RepeatedTest(20)
  void framesTakenInBatchesWhileTheClientIsCutAreAPrefixOfTheStream() throws Exception {
    assertPrefixWhileCut(true);
  }

  @RepeatedTest(20)
  void framesTakenOneByOneWhileTheClientIsCutAreAPrefixOfTheStream() throws Exception {
    assertPrefixWhileCut(false);
  }

  private static void assertPrefixWhileCut(boolean batches) throws Exception {
    try (Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
        .heartbeat(Duration.ZERO)
        .channel(ChannelConfig.builder().maxQueuedEvents(EVENTS).maxQueuedBytes(1L << 30).build())
        .build())) {
      SseChannel channel = broadcaster.subscribe(null);
      channel.start(() -> {});
      for (int i = 0; i < EVENTS; i++) {
        broadcaster.broadcast(Data.of(Integer.toString(i)));
      }
      CountDownLatch taking = new CountDownLatch(1);
      Thread cut = new Thread(() -> {
        await(taking);
        channel.close(CloseReason.SLOW_CONSUMER);
      });
      cut.start();
      List<Integer> taken = new ArrayList<>();
      Frame[] batch = new Frame[batches ? 8_192 : 1]; // long batches: the cut lands inside one
      boolean first = true;
      while (true) {
        int count;
        if (batches) {
          count = channel.poll(batch, Long.MAX_VALUE);
        } else {
          batch[0] = channel.poll();
          count = batch[0] == null ? 0 : 1;
        }
        if (count == 0) {
          break;
        }
        for (int i = 0; i < count; i++) {
          taken.add(number(batch[i]));
        }
        if (first) {
          first = false;
          taking.countDown(); // the cut races the takes that follow
        }
      }
      cut.join();
      for (int i = 0; i < taken.size(); i++) {
        assertThat(taken.get(i)).as("frame %d of %d taken", i, taken.size()).isEqualTo(i);
      }
      assertThat(channel.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
    }
  }

  private static int number(Frame frame) {
    byte[] bytes = new byte[frame.length()];
    frame.buffer().get(bytes);
    String text = new String(bytes, StandardCharsets.UTF_8);
    return Integer.parseInt(text.substring("data: ".length(), text.length() - 2));
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
