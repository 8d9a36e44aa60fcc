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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    CompletableFuture<Void> first = window.pace(() -> CompletableFuture.completedFuture("1"));
    assertThat(first).as("acknowledged, not yet offered everywhere").isNotDone();
    nodes.offeredEverywhere("1");
    assertThat(first).isCompletedWithValue(null);
  }

  @Test
  void producerRunsAtMostTheWindowAheadOfTheSlowestNode() {
    PacingWindow window = new PacingWindow(nodes, 3, PATIENCE);
    List<CompletableFuture<Void>> stages = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      String id = Integer.toString(i);
      stages.add(window.pace(() -> CompletableFuture.completedFuture(id)));
    }

    assertThat(stages.get(0)).as("nothing before it").isCompletedWithValue(null);
    assertThat(stages.get(1)).isCompletedWithValue(null);
    assertThat(stages.get(2)).as("waits for event 1 everywhere").isNotDone();
    nodes.offeredEverywhere("1");
    assertThat(stages.get(2)).isCompletedWithValue(null);
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

    CompletableFuture<Void> stage = window.pace(() -> append);
    assertThat(stage).isNotDone();
    append.complete("1");
    assertThat(stage).isCompletedWithValue(null);
  }

  @Test
  void eventNotPublishedFailsItsStageAndHoldsNoLaterOneBack() {
    PacingWindow window = new PacingWindow(nodes, 2, PATIENCE);

    CompletableFuture<Void> failed = window.pace(() -> CompletableFuture.failedFuture(
        new BackplaneUnavailableException("down")));
    CompletableFuture<Void> next = window.pace(() -> CompletableFuture.completedFuture("2"));

    assertThat(failed).isCompletedExceptionally();
    assertThat(next).as("its gate, event 1, was never published").isCompletedWithValue(null);
    assertThat(nodes.waits).as("no one waits for an event that was not published").containsOnlyKeys("2");
  }

  @Test
  void refusedEventCountsForNothing() {
    PacingWindow window = new PacingWindow(nodes, 2, PATIENCE);
    window.pace(() -> CompletableFuture.completedFuture("1"));
    assertThatThrownBy(() -> window.pace(() -> {
      throw new IllegalArgumentException("too large"); // refused before the log saw it
    })).isInstanceOf(IllegalArgumentException.class);

    CompletableFuture<Void> second = window.pace(() -> CompletableFuture.completedFuture("2"));
    assertThat(second).as("the second publish waits for the first").isNotDone();
    nodes.offeredEverywhere("1");
    assertThat(second).isCompletedWithValue(null);
  }

  @Test
  void stalledNodeHoldsTheProducerForThePatienceAtMostAndItsWaitIsDropped() throws Exception {
    PacingWindow window = new PacingWindow(nodes, 1, TimeUnit.MILLISECONDS.toNanos(50));

    CompletableFuture<Void> stage = window.pace(() -> CompletableFuture.completedFuture("1"));
    assertThat(stage.get(10, TimeUnit.SECONDS)).isNull();
    assertThat(nodes.waits.get("1")).as("the backplane sees the wait ended").isCompleted();
  }

  @Test
  void withRetriedAppendsStageCompletesOnceHandedWithoutItsAcknowledgement() {
    nodes.retries = true;
    PacingWindow window = new PacingWindow(nodes, 4, PATIENCE);

    CompletableFuture<Void> stage = window.pace(CompletableFuture::new); // sent, never answered
    assertThat(stage).as("handed over, acknowledgement outstanding").isCompletedWithValue(null);
  }

  @Test
  void withRetriedAppendsWindowBoundsEventsNotYetAcknowledged() {
    nodes.retries = true;
    PacingWindow window = new PacingWindow(nodes, 3, PATIENCE);
    List<CompletableFuture<String>> appends = new ArrayList<>();
    List<CompletableFuture<Void>> stages = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      CompletableFuture<String> append = new CompletableFuture<>();
      appends.add(append);
      stages.add(window.pace(() -> append));
    }

    assertThat(stages.get(0)).isCompletedWithValue(null);
    assertThat(stages.get(1)).isCompletedWithValue(null);
    assertThat(stages.get(2)).as("waits for event 1 to be appended").isNotDone();
    appends.get(0).complete("1");
    assertThat(stages.get(2)).as("appended, not yet offered everywhere").isNotDone();
    nodes.offeredEverywhere("1");
    assertThat(stages.get(2)).isCompletedWithValue(null);
    assertThat(stages.get(3)).as("waits for event 2").isNotDone();
    appends.get(1).complete("2");
    nodes.offeredEverywhere("2");
    assertThat(stages.get(3)).isCompletedWithValue(null);
  }

  @Test
  void withRetriedAppendsGivenUpEventFailsExactlyTheStageThatWaitsForIt() {
    nodes.retries = true;
    PacingWindow window = new PacingWindow(nodes, 2, PATIENCE);
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<String> second = new CompletableFuture<>();

    CompletableFuture<Void> firstStage = window.pace(() -> first);
    CompletableFuture<Void> secondStage = window.pace(() -> second);
    CompletableFuture<Void> thirdStage = window.pace(() -> CompletableFuture.completedFuture("3"));
    assertThat(firstStage).isCompletedWithValue(null);
    first.completeExceptionally(new BackplaneUnavailableException("given up"));

    assertThat(secondStage).as("the first stage to wait for event 1 reports it").isCompletedExceptionally();
    assertThatThrownBy(secondStage::join).hasCauseInstanceOf(BackplaneUnavailableException.class)
        .hasMessageContaining("given up");
    assertThat(thirdStage).as("waits for event 2, not event 1").isNotDone();
    second.complete("2");
    nodes.offeredEverywhere("2");
    assertThat(thirdStage).isCompletedWithValue(null);
  }

  @Test
  void withRetriedAppendsWindowOfOneWaitsForItsOwnEventAndReportsItsOwnFailure() {
    nodes.retries = true;
    PacingWindow window = new PacingWindow(nodes, 1, PATIENCE);
    CompletableFuture<String> append = new CompletableFuture<>();

    CompletableFuture<Void> stage = window.pace(() -> append);
    assertThat(stage).isNotDone();
    append.complete("1");
    assertThat(stage).as("appended, not yet offered everywhere").isNotDone();
    nodes.offeredEverywhere("1");
    assertThat(stage).isCompletedWithValue(null);

    CompletableFuture<String> failing = new CompletableFuture<>();
    CompletableFuture<Void> failed = window.pace(() -> failing);
    failing.completeExceptionally(new BackplaneUnavailableException("given up"));
    assertThatThrownBy(failed::join).hasCauseInstanceOf(BackplaneUnavailableException.class);
  }

  @Test
  void withRetriedAppendsEventRefusedWhenHandedFailsItsOwnStageAndTakesNoPlace() {
    nodes.retries = true;
    PacingWindow window = new PacingWindow(nodes, 2, PATIENCE);
    window.pace(() -> CompletableFuture.completedFuture("1"));

    CompletableFuture<Void> refused = window.pace(() -> CompletableFuture.failedFuture(
        new BackplaneUnavailableException("down")));
    assertThat(refused).isCompletedExceptionally();
    CompletableFuture<Void> next = window.pace(() -> CompletableFuture.completedFuture("2"));
    assertThat(next).as("waits for event 1, the one before it in the window").isNotDone();
    nodes.offeredEverywhere("1");
    assertThat(next).isCompletedWithValue(null);
  }

  @Test
  void withoutRetriedAppendsEachFailureFailsItsOwnStageOnly() {
    PacingWindow window = new PacingWindow(nodes, 2, PATIENCE);
    CompletableFuture<String> first = new CompletableFuture<>();

    CompletableFuture<Void> firstStage = window.pace(() -> first);
    CompletableFuture<Void> secondStage = window.pace(() -> CompletableFuture.completedFuture("2"));
    first.completeExceptionally(new BackplaneUnavailableException("lost"));

    assertThat(firstStage).isCompletedExceptionally();
    assertThat(secondStage).as("event 1 failed: it holds no one back, and was reported").isCompletedWithValue(null);
  }

  @Test
  void withRetriedAppendsAnOutageLetsTheProducerGoOnAndTheAppendsLandLater() {
    nodes.retries = true;
    PacingWindow window = new PacingWindow(nodes, 2, PATIENCE);
    CompletableFuture<String> first = new CompletableFuture<>();
    window.pace(() -> first);
    CompletableFuture<Void> waiting = window.pace(CompletableFuture::new);
    assertThat(waiting).as("waits for event 1").isNotDone();

    nodes.outage.complete(null); // the log became unreachable: event 1 will be sent again when it is back
    assertThat(waiting).as("its next publish is refused at once while the log is away").isCompletedWithValue(null);
    first.complete("1");

    nodes.outage = new CompletableFuture<>(); // back
    CompletableFuture<String> third = new CompletableFuture<>();
    window.pace(() -> third);
    CompletableFuture<Void> fourth = window.pace(() -> CompletableFuture.completedFuture("4"));
    assertThat(fourth).as("waits for event 3, appended after the outage").isNotDone();
    nodes.outage.complete(null);
    assertThat(fourth).as("the next outage passes it too").isCompletedWithValue(null);
  }

  @Test
  void withRetriedAppendsAKeyedStageWaitsForItsOwnAcknowledgementAndReportsItsOwnFailureOnce() {
    nodes.retries = true;
    PacingWindow window = new PacingWindow(nodes, 2, PATIENCE);
    CompletableFuture<String> first = new CompletableFuture<>();

    CompletableFuture<Void> keyed = window.pace(() -> first, true);
    assertThat(keyed).as("handed over, not yet acknowledged").isNotDone();
    CompletableFuture<Void> next = window.pace(() -> CompletableFuture.completedFuture("2"));
    first.completeExceptionally(new BackplaneUnavailableException("refused"));

    assertThatThrownBy(keyed::join).hasCauseInstanceOf(BackplaneUnavailableException.class)
        .hasMessageContaining("refused");
    assertThat(next).as("its producer was told already: the next stage does not repeat it")
        .isCompletedWithValue(null);
  }

  @Test
  void withRetriedAppendsAKeyedStageFailsWhenTheLogBecomesUnreachableBeforeItsAcknowledgement() {
    nodes.retries = true;
    PacingWindow window = new PacingWindow(nodes, 4, PATIENCE);
    CompletableFuture<String> append = new CompletableFuture<>();
    CompletableFuture<Void> keyed = window.pace(() -> append, true);

    nodes.outage.complete(null);
    assertThatThrownBy(keyed::join).hasCauseInstanceOf(BackplaneUnavailableException.class)
        .hasMessageContaining("may or may not have been published");

    nodes.outage = new CompletableFuture<>();
    CompletableFuture<String> again = new CompletableFuture<>();
    CompletableFuture<Void> acknowledged = window.pace(() -> again, true);
    again.complete("2");
    assertThat(acknowledged).as("acknowledged, and the window is open").isCompletedWithValue(null);
  }

  @ParameterizedTest(name = "appends retried: {0}")
  @ValueSource(booleans = {false, true})
  void concurrentProducersShareOneWindow(boolean retries) throws Exception {
    nodes.retries = retries;
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
            long[] id = new long[1];
            paced.pace(() -> {
              id[0] = ids.incrementAndGet();
              return CompletableFuture.completedFuture(Long.toString(id[0]));
            }).join();
            if (nodes.everywhere.get() < id[0] - window + 1) {
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
    /** Whether it retries paced appends, so that a stage need not wait for its own acknowledgement. */
    boolean retries;
    /** The log's next outage. */
    volatile CompletableFuture<Void> outage = new CompletableFuture<>();

    @Override
    public CompletionStage<Void> nextOutage() {
      return outage;
    }

    @Override
    public boolean retriesPacedPublishes() {
      return retries;
    }

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
