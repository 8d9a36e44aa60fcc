package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.ReplayMissHandler;
import dev.herald.sse.core.testing.FakeTransport;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** Replay across topics: per-topic retention, a merge by id, and gap-free resumes while publishes race. */
class TopicReplayTest extends TopicTestSupport {

  private static BroadcasterConfig.Builder ids(int history) {
    return BroadcasterConfig.builder().assignIds(true).firstId(1).history(history).channel(queueOf(history));
  }

  /** The id of the last event (or position) the client read, as its {@code EventSource} would resume from. */
  private static String lastId(FakeTransport client, SseChannel channel) {
    FakeTransport.Await.until(() -> !channel.hasPending(), () -> "still queued: " + channel);
    String wire = client.wire();
    int at = wire.lastIndexOf("id: ");
    return wire.substring(at + 4, wire.indexOf('\n', at));
  }

  @Test
  void aBusyTopicDoesNotPushAQuietTopicsEventOutOfReach() {
    Broadcaster broadcaster = broadcaster(ids(10));
    SseChannel channel = broadcaster.subscribe(null, List.of("quiet"));
    FakeTransport client = serve(channel);
    broadcaster.publish("quiet", Data.of("seen"));
    assertThat(until(broadcaster, client)).containsExactly("seen");
    String resumeFrom = lastId(client, channel);
    channel.close(CloseReason.CLIENT_GONE);

    broadcaster.publish("quiet", Data.of("missed"));
    for (int i = 0; i < 1_000; i++) {
      broadcaster.publish("busy", Data.of("busy " + i));
    }

    FakeTransport back = serve(broadcaster.subscribe(resumeFrom, List.of("quiet")));
    assertThat(until(broadcaster, back)).containsExactly("missed");
    assertThat(broadcaster.stats().replayMisses()).isZero();
  }

  @Test
  void aTopicPastItsOwnBoundIsAMissForItsClientsOnly() {
    List<String> misses = new CopyOnWriteArrayList<>();
    Broadcaster broadcaster = broadcaster(ids(100).historyPerTopic(3)
        .onReplayMiss((client, id) -> misses.add(id)));
    broadcaster.publish("b", Data.of("b1")); // 1
    for (int i = 1; i <= 5; i++) {
      broadcaster.publish("a", Data.of("a" + i)); // 2..6; a keeps 4, 5, 6
    }

    FakeTransport tooOld = serve(broadcaster.subscribe("2", List.of("a")));
    FakeTransport inReach = serve(broadcaster.subscribe("4", List.of("a")));
    FakeTransport otherTopic = serve(broadcaster.subscribe("1", List.of("b")));

    assertThat(until(broadcaster, inReach)).containsExactly("a4", "a5");
    assertThat(until(broadcaster, otherTopic)).isEmpty();
    assertThat(until(broadcaster, tooOld)).isEmpty(); // live events only, after the miss
    assertThat(misses).containsExactly("2");
  }

  @Test
  void whenTheHistoryIsFullTheTopicHoldingTheMostGivesUpItsOldest() {
    Broadcaster broadcaster = broadcaster(ids(4).onReplayMiss(ReplayMissHandler.ignore()));
    broadcaster.publish("quiet", Data.of("q")); // 1
    broadcaster.broadcast(Data.of("everyone")); // 2
    for (int i = 1; i <= 10; i++) {
      broadcaster.publish("busy", Data.of("busy " + i)); // 3..12; busy keeps 11 and 12 beside q and everyone
    }

    FakeTransport quiet = serve(broadcaster.subscribe("0", List.of("quiet")));
    FakeTransport busy = serve(broadcaster.subscribe("10", List.of("busy")));

    assertThat(until(broadcaster, quiet)).containsExactly("q", "everyone");
    assertThat(until(broadcaster, busy)).isEmpty(); // 11 was let go of: a miss, told nothing (ignore)
    assertThat(broadcaster.stats().replayMisses()).isEqualTo(1);
  }

  @Test
  void aReplayMergesTheClientsTopicsByIdAndAnEventOfSeveralOnce() {
    Broadcaster broadcaster = broadcaster(ids(100).historyPerTopic(3));
    broadcaster.publish("a", Data.of("a1")); // 1
    broadcaster.publish("b", Data.of("b1")); // 2
    broadcaster.publish(List.of("a", "b"), Data.of("ab")); // 3: kept once, counted in a and in b
    broadcaster.publish("c", Data.of("c1")); // 4
    broadcaster.publish("b", Data.of("b2")); // 5: b keeps 2, 3 and 5
    broadcaster.broadcast(Data.of("all")); // 6

    FakeTransport client = serve(broadcaster.subscribe("2", List.of("a", "b")));

    assertThat(until(broadcaster, client)).containsExactly("ab", "b2", "all");
    assertThat(client.events()).extracting(MessageEvent::lastEventId).startsWith("3", "5", "6");
  }

  @Test
  void aNewClientsPositionIsTheNewestEventItHearsSoBusyTopicsCannotMakeItStale() {
    Broadcaster broadcaster = broadcaster(ids(5));
    broadcaster.publish("quiet", Data.of("q")); // 1
    for (int i = 0; i < 20; i++) {
      broadcaster.publish("busy", Data.of("busy " + i)); // 2..21
    }
    SseChannel channel = broadcaster.subscribe(null, List.of("quiet"));
    FakeTransport client = serve(channel);
    FakeTransport.Await.until(() -> !client.wire().isEmpty(), () -> "no position yet");
    channel.close(CloseReason.CLIENT_GONE);
    broadcaster.publish("quiet", Data.of("while away"));
    for (int i = 0; i < 20; i++) {
      broadcaster.publish("busy", Data.of("more busy " + i));
    }

    assertThat(client.wire()).isEqualTo("id: 1\n\n"); // not 21, which the busy topic let go of since
    FakeTransport back = serve(broadcaster.subscribe("1", List.of("quiet")));
    assertThat(until(broadcaster, back)).containsExactly("while away");
    assertThat(broadcaster.stats().replayMisses()).isZero();
  }

  @RepeatedTest(5)
  void clientsResumingWhilePublishesToTheirAndOtherTopicsRaceMissNothingAndSeeNothingTwice() throws Exception {
    int perTopic = 2_000;
    Broadcaster broadcaster = broadcaster(ids(8 * perTopic)
        .channel(ChannelConfig.builder().maxQueuedEvents(8 * perTopic).maxQueuedBytes(16 << 20).build()));
    List<String> topics = List.of("rooms/1", "rooms/1/typing");
    FakeTransport observer = client(broadcaster, "rooms/1", "rooms/*/typing");
    // The producers publish a tenth, then wait (with a bound) for the first resume, so that resumes race publishes
    // however fast the producers run.
    CountDownLatch firstResume = new CountDownLatch(1);
    CompletableFuture<?>[] producers = {
        CompletableFuture.runAsync(() -> publish(broadcaster, List.of("rooms/1"), "r", perTopic, firstResume)),
        CompletableFuture.runAsync(() -> publish(broadcaster, List.of("rooms/2"), "other", perTopic, firstResume)),
        CompletableFuture.runAsync(() -> publish(broadcaster, List.of("rooms/1/typing", "rooms/2"), "t", perTopic,
            firstResume)),
    };
    List<FakeTransport> resumed = new ArrayList<>();
    List<Integer> seenBefore = new ArrayList<>();
    while (resumed.size() < 20 && !CompletableFuture.allOf(producers).isDone()) {
      // Resume from whatever the observer saw last, as a client that dropped just now would; its last id may be
      // of a topic the resuming client does not hear.
      List<MessageEvent> seen = observer.events();
      if (seen.isEmpty()) {
        Thread.onSpinWait();
        continue;
      }
      resumed.add(serve(broadcaster.subscribe(seen.get(seen.size() - 1).lastEventId(), topics.subList(0, 1))));
      seenBefore.add(seen.size());
      firstResume.countDown();
    }
    CompletableFuture.allOf(producers).get(30, TimeUnit.SECONDS);
    assertThat(resumed).as("clients resumed while the producers ran").isNotEmpty();

    List<String> all = until(broadcaster, observer);
    assertThat(all).hasSize(2 * perTopic).doesNotHaveDuplicates().noneMatch(d -> d.startsWith("other"));
    for (int i = 0; i < resumed.size(); i++) {
      // A client of rooms/1 only: the observer's events after its resume point, less those of rooms/1/typing.
      List<String> expected = all.subList(seenBefore.get(i), all.size()).stream()
          .filter(d -> d.startsWith("r")).toList();
      assertThat(until(broadcaster, resumed.get(i))).as("client %d", i).isEqualTo(expected);
    }
    assertThat(broadcaster.stats().replayMisses()).isZero();
  }

  private static void publish(Broadcaster broadcaster, List<String> topics, String prefix, int count,
      CountDownLatch firstResume) {
    for (int i = 0; i < count; i++) {
      if (i == count / 10) {
        try {
          firstResume.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      broadcaster.publish(topics, Data.of(prefix + i));
    }
  }

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  private static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }
}
