package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Data;
import dev.herald.sse.core.EventEncoder;
import dev.herald.sse.spi.Frame;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-topic history alone: what it keeps, and when a replay is a miss. */
class HistoryTest {
  private static final Frame FRAME = EventEncoder.encode(Data.of("x"));
  private static final ClientTopics BROADCASTS_ONLY = ClientTopics.NONE;

  private static ClientTopics of(String... topics) {
    return new TopicRouter(dev.herald.sse.core.TopicLimits.defaults(), new java.util.concurrent.locks.ReentrantLock(),
        new Presence(null))
        .subscription(List.of(topics), null);
  }

  @Test
  void aTopicForgottenAmongManyEmptiedOnesMakesAnOlderReplayACautiousMissForTopicClientsOnly() {
    History history = new History(4, 1, Long.MAX_VALUE);
    history.add("1", new String[] {"quiet"}, FRAME, 0);
    for (int i = 0; i < 10; i++) {
      // y keeps one event, so each publish lets the one before go, and with it the only event of x/i-1.
      history.add("e" + i, new String[] {"x/" + i, "y"}, FRAME, 0);
    }

    assertThat(history.size()).isEqualTo(2);
    assertThat(history.after("e9", of("x/9", "quiet"), 0)).isEmpty();
    assertThat(history.after("1", of("x/7"), 0)).as("x/7 is remembered: it lost e7").isNull();
    assertThat(history.after("1", of("quiet"), 0)).as("cautious: a forgotten x/0..x/4 may be its").isNull();
    assertThat(history.after("1", BROADCASTS_ONLY, 0)).as("the broadcasts are never forgotten").isEmpty();
  }

  @Test
  void anAgeLimitLetsEveryTopicsOldEventsGoAndTheirClientsMissThem() {
    History history = new History(10, 10, 100);
    history.add("1", new String[] {"a"}, FRAME, 0);
    history.add("2", new String[] {"b"}, FRAME, 50);
    history.add("3", new String[] {"a"}, FRAME, 120);

    assertThat(history.after("2", of("b"), 140)).isEmpty();
    assertThat(history.fromStart(of("b"), 140)).hasSize(1);
    assertThat(history.fromStart(of("a"), 140)).as("a's first event aged out").isNull();
    assertThat(history.size()).isEqualTo(2);
  }

  @Test
  void aPatternClientHearsTheLossesOfEveryTopicItMatches() {
    History history = new History(10, 1, Long.MAX_VALUE);
    history.add("1", new String[] {"rooms/1"}, FRAME, 0);
    history.add("2", new String[] {"lobby"}, FRAME, 0);
    history.add("3", new String[] {"rooms/2"}, FRAME, 0);
    history.add("4", new String[] {"rooms/2"}, FRAME, 0); // rooms/2 keeps one: 3 goes

    assertThat(history.after("2", of("rooms/*"), 0)).as("3 is gone").isNull();
    assertThat(history.after("2", of("rooms/1", "lobby"), 0)).isEmpty();
    assertThat(history.newestHeardBy(of("rooms/*"))).isEqualTo("4");
    assertThat(history.newestHeardBy(of("rooms/1"))).isEqualTo("1");
    assertThat(history.newestHeardBy(of("elsewhere"))).isNull();
  }

  /** Ids compared as numbers, as a cluster's log orders its own; anything else is not an id. */
  private static final java.util.Comparator<String> NUMERIC = (a, b) -> {
    try {
      return Long.compare(Long.parseLong(a), Long.parseLong(b));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an id: " + e.getMessage(), e);
    }
  };

  @Test
  void onAClusterAReplayStartsFromAnyIdRecordedSinceTheFirstEvenOneLetGoOfByABusyTopic() {
    History history = new History(3, 3, Long.MAX_VALUE, NUMERIC);
    history.add("10", new String[] {"busy"}, FRAME, 0);
    Frame quiet = EventEncoder.encode(Data.of("quiet"));
    history.add("11", new String[] {"quiet"}, quiet, 0);
    for (int id = 12; id < 20; id++) {
      history.add(Integer.toString(id), new String[] {"busy"}, FRAME, 0); // busy keeps 2 of the 3: 10..17 go
    }

    assertThat(history.after("10", of("quiet"), 0)).as("10 is gone; quiet lost nothing since").containsExactly(quiet);
    assertThat(history.after("11", of("quiet"), 0)).isEmpty();
    assertThat(history.after("15", of("busy"), 0)).as("busy lost 16 and 17 since 15").isNull();
    assertThat(history.after("17", of("busy"), 0)).hasSize(2);
    assertThat(history.after("9", of("quiet"), 0)).as("before the first recorded: not known here").isNull();
    assertThat(history.after("19", of("quiet"), 0)).as("the newest is kept").isEmpty();
    assertThat(history.after("25", of("quiet"), 0)).as("past the newest: the cluster knows").isNull();
    assertThat(history.after("x", of("quiet"), 0)).as("not an id").isNull();
  }

  @Test
  void onAClusterAReplayFromAnIdBetweenKeptOnesGivesTheLaterEventsInTheLogsOrder() {
    History history = new History(10, 10, Long.MAX_VALUE, NUMERIC);
    Frame[] frames = new Frame[5];
    for (int i = 0; i < frames.length; i++) {
      frames[i] = EventEncoder.encode(Data.of("event " + i));
      history.add(Integer.toString(2 * i), new String[] {i % 2 == 0 ? "even" : "odd"}, frames[i], 0); // ids 0..8
    }

    assertThat(history.after("3", of("even", "odd"), 0)).as("3 was never an id of this node: 4, 6, 8 follow it")
        .containsExactly(frames[2], frames[3], frames[4]);
    assertThat(history.after("3", of("odd"), 0)).as("only the client's topics").containsExactly(frames[3]);
    assertThat(history.after("7", of("even"), 0)).containsExactly(frames[4]);
  }

  @Test
  void onAClusterAHistoryClearedAfterAGapKnowsNothingBeforeIt() {
    History history = new History(10, 10, Long.MAX_VALUE, NUMERIC);
    history.add("1", new String[] {"a"}, FRAME, 0);
    history.add("2", new String[] {"b"}, FRAME, 0);
    history.clear();
    history.add("9", new String[] {"b"}, FRAME, 0);
    history.add("10", new String[] {"b"}, FRAME, 0);

    assertThat(history.after("1", of("b"), 0)).as("from before the gap").isNull();
    assertThat(history.after("5", of("b"), 0)).as("from within the gap").isNull();
    assertThat(history.after("9", of("b"), 0)).hasSize(1);
  }

  @Test
  void onOneNodeAnIdNotKeptIsAMissAsBefore() {
    History history = new History(3, 3, Long.MAX_VALUE);
    history.add("1", new String[] {"a"}, FRAME, 0);
    history.add("3", new String[] {"a"}, FRAME, 0);

    assertThat(history.after("2", of("a"), 0)).isNull();
  }
}
