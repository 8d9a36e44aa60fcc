package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.BackplaneUnavailableException;
import dev.herald.sse.Event;
import dev.herald.sse.core.spi.Backplane;
import dev.herald.sse.core.spi.BackplaneEntry;
import dev.herald.sse.core.spi.ReplayPage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The window of paced broadcasts a cluster node has in flight: a stage waits for the log's acknowledgement and for
 * the event {@code W - 1} places before it to be offered by every node, and no longer than the patience.
 */
class PacingWindowTest {
  private static final long PATIENCE = TimeUnit.SECONDS.toNanos(60);

  private final Nodes nodes = new Nodes();

  @Test
  void windowOfOneWaitsForEachEventItselfAsWithoutAWindow() {
    PacingWindow window = new PacingWindow(nodes, 1, PATIENCE);

    CompletableFuture<String> first = window.pace(() -> CompletableFuture.completedFuture("1"));
    assertThat(first).as("acknowledged, not yet offered everywhere").isNotDone();
    nodes.offeredEverywhere("1");
    assertThat(first).isCompletedWithValue("1");
  }

  @Test
  void producerRunsAtMostTheWindowAheadOfTheSlowestNode() {
    PacingWindow window = new PacingWindow(nodes, 3, PATIENCE);
    List<CompletableFuture<String>> stages = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      String id = Integer.toString(i);
      stages.add(window.pace(() -> CompletableFuture.completedFuture(id)));
    }

    assertThat(stages.get(0)).as("nothing before it").isCompletedWithValue("1");
    assertThat(stages.get(1)).isCompletedWithValue("2");
    assertThat(stages.get(2)).as("waits for event 1 everywhere").isNotDone();
    nodes.offeredEverywhere("1");
    assertThat(stages.get(2)).isCompletedWithValue("3");
    assertThat(stages.get(3)).as("waits for event 2 everywhere").isNotDone();
    nodes.offeredEverywhere("3"); // offered in log order: event 2 was too
    nodes.offeredEverywhere("2");
    assertThat(stages.get(3)).isCompleted();
    assertThat(stages.get(4)).isCompleted();
  }

  @Test
  void stageWaitsForItsOwnAcknowledgementToo() {
    PacingWindow window = new PacingWindow(nodes, 4, PATIENCE);
    CompletableFuture<String> append = new CompletableFuture<>();

    CompletableFuture<String> stage = window.pace(() -> append);
    assertThat(stage).isNotDone();
    append.complete("1");
    assertThat(stage).isCompletedWithValue("1");
  }

  @Test
  void eventNotPublishedFailsItsStageAndHoldsNoLaterOneBack() {
    PacingWindow window = new PacingWindow(nodes, 2, PATIENCE);

    CompletableFuture<String> failed = window.pace(() -> CompletableFuture.failedFuture(
        new BackplaneUnavailableException("down")));
    CompletableFuture<String> next = window.pace(() -> CompletableFuture.completedFuture("2"));

    assertThat(failed).isCompletedExceptionally();
    assertThat(next).as("its gate, event 1, was never published").isCompletedWithValue("2");
    assertThat(nodes.waits).as("no one waits for an event that was not published").containsOnlyKeys("2");
  }

  @Test
  void refusedEventCountsForNothing() {
    PacingWindow window = new PacingWindow(nodes, 2, PATIENCE);
    window.pace(() -> CompletableFuture.completedFuture("1"));
    assertThatThrownBy(() -> window.pace(() -> {
      throw new IllegalArgumentException("too large"); // refused before the log saw it
    })).isInstanceOf(IllegalArgumentException.class);

    CompletableFuture<String> second = window.pace(() -> CompletableFuture.completedFuture("2"));
    assertThat(second).as("the second publish waits for the first").isNotDone();
    nodes.offeredEverywhere("1");
    assertThat(second).isCompletedWithValue("2");
  }

  @Test
  void stalledNodeHoldsTheProducerForThePatienceAtMostAndItsWaitIsDropped() throws Exception {
    PacingWindow window = new PacingWindow(nodes, 1, TimeUnit.MILLISECONDS.toNanos(50));

    CompletableFuture<String> stage = window.pace(() -> CompletableFuture.completedFuture("1"));
    assertThat(stage.get(10, TimeUnit.SECONDS)).isEqualTo("1");
    assertThat(nodes.waits.get("1")).as("the backplane sees the wait ended").isCompleted();
  }

  @Test
  void concurrentProducersShareOneWindow() throws Exception {
    int window = 8;
    int producers = 4;
    int each = 500;
    PacingWindow paced = new PacingWindow(nodes, window, PATIENCE);
    AtomicLong ids = new AtomicLong();
    AtomicLong violations = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(producers);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        running.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            // Numbered under the window's lock, as the log numbers the appends it is handed in order.
            long id = paced.pace(() -> CompletableFuture.completedFuture(Long.toString(ids.incrementAndGet())))
                .thenApply(Long::parseLong).join();
            if (nodes.everywhere.get() < id - window + 1) {
              violations.incrementAndGet();
            }
          }
          return null;
        }));
      }
      long total = (long) producers * each;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      // The cluster offers every event, in order, as soon as it is published.
      while (nodes.everywhere.get() < total && System.nanoTime() < deadline) {
        long next = nodes.everywhere.get() + 1;
        if (next <= ids.get()) {
          nodes.offeredEverywhere(Long.toString(next));
        } else {
          Thread.onSpinWait();
        }
      }
      for (Future<?> producer : running) {
        producer.get(30, TimeUnit.SECONDS);
      }
      assertThat(nodes.everywhere.get()).isEqualTo(total);
      assertThat(violations).as("a stage completed before the event W - 1 places before it was offered").hasValue(0);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The rest of the cluster, as one backplane tells of it: a wait per entry, completed when the test says every node
   * has offered it (and every entry before it). Ids are numbers.
   */
  private static final class Nodes implements Backplane {
    final Map<String, CompletableFuture<Void>> waits = new ConcurrentHashMap<>();
    final AtomicLong everywhere = new AtomicLong();

    void offeredEverywhere(String id) {
      long upTo = Long.parseLong(id);
      everywhere.accumulateAndGet(upTo, Math::max);
      waits.forEach((waiting, done) -> {
        if (Long.parseLong(waiting) <= everywhere.get()) {
          done.complete(null);
        }
      });
    }

    @Override
    public CompletionStage<Void> awaitOffered(String id) {
      CompletableFuture<Void> done = waits.computeIfAbsent(id, key -> new CompletableFuture<>());
      if (Long.parseLong(id) <= everywhere.get()) {
        done.complete(null);
      }
      return done;
    }

    @Override
    public void start(int history, Consumer<BackplaneEntry> deliver) {}

    @Override
    public CompletionStage<String> publish(Event event) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<@Nullable ReplayPage> replay(String afterId, int max) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Comparator<String> idOrder() {
      return Comparator.comparingLong(Long::parseLong);
    }

    @Override
    public boolean isUp() {
      return true;
    }

    @Override
    public long outages() {
      return 0;
    }

    @Override
    public void close() {}
  }
}
