package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.BackplaneUnavailableException;
import dev.herald.sse.Broadcaster;
import dev.herald.sse.BroadcasterStats;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.OverflowPolicy;
import dev.herald.sse.core.ReplayMissHandler;
import dev.herald.sse.core.testing.FakeBackplane;
import dev.herald.sse.core.testing.FakeTransport;
import dev.herald.sse.core.testing.FakeTransport.Await;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Broadcasters as nodes of a cluster, on an in-memory backplane whose delivery the test drives. */
class ClusteredBroadcasterTest {
  private final FakeBackplane.Log log = new FakeBackplane.Log();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final List<String> misses = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeResources() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  /** A node and its backplane. */
  private record Node(Broadcaster broadcaster, FakeBackplane backplane) {
    void pump() {
      backplane.pump();
    }
  }

  private Node node(int history) {
    return node(history, (client, id) -> misses.add(id));
  }

  private Node node(int history, ReplayMissHandler onReplayMiss) {
    return node(BroadcasterConfig.builder().history(history).onReplayMiss(onReplayMiss));
  }

  private Node node(BroadcasterConfig.Builder config) {
    FakeBackplane backplane = new FakeBackplane(log);
    Broadcaster broadcaster = Broadcasters.create(config
        .greeting(Data.of("connected"))
        .backplane(backplane)
        .build());
    resources.add(broadcaster);
    return new Node(broadcaster, backplane);
  }

  private FakeTransport client(Node node, String lastEventId) {
    FakeTransport transport = FakeTransport.serve(node.broadcaster().subscribe(lastEventId));
    resources.add(transport);
    return transport;
  }

  private static List<String> data(FakeTransport client, int count) {
    return client.awaitEvents(count).stream().map(MessageEvent::data).toList();
  }

  private static List<String> ids(FakeTransport client, int count) {
    return client.awaitEvents(count).stream().map(MessageEvent::lastEventId).toList();
  }

  private static List<String> types(FakeTransport client, int count) {
    return client.awaitEvents(count).stream().map(MessageEvent::type).toList();
  }

  /** Broadcasts e{from}..e{to} and has the log take them. */
  private static void broadcast(Node node, int from, int to) {
    for (int i = from; i <= to; i++) {
      node.broadcaster().broadcast(Data.of("e" + i));
    }
  }

  /**
   * The lagging node delivers e1 and e2; then {@code a} broadcasts e3..e6 and delivers them, and the log is trimmed
   * to e5 and e6 before the lagging node reads on: its next pump finds the gap.
   */
  private void loseE3AndE4(Node a, Node lagging) {
    broadcast(a, 1, 2);
    lagging.pump();
    broadcast(a, 3, 6);
    a.pump();
    log.trim(2);
  }

  @Test
  void broadcastOnOneNodeReachesEveryNodesClientsInLogOrderWithTheLogsIds() {
    Node a = node(100);
    Node b = node(100);
    FakeTransport onA = client(a, null);
    FakeTransport onB = client(b, null);

    assertThat(a.broadcaster().broadcast(Data.of("one"))).as("a clustered broadcast only publishes").isZero();
    b.broadcaster().broadcast(Data.of("two"));
    a.broadcaster().broadcast(Comment.of("a comment goes through the log too"));
    a.broadcaster().broadcast(Data.of("three").withName("chat"));
    onA.awaitEvents(1);
    assertThat(a.broadcaster().stats().eventsBroadcast()).as("nothing is delivered before the log").isZero();
    assertThat(onA.data()).as("nothing reaches a client before the log delivers it").containsExactly("connected");
    a.pump();
    b.pump();

    for (FakeTransport client : List.of(onA, onB)) {
      assertThat(data(client, 4)).containsExactly("connected", "one", "two", "three");
      assertThat(ids(client, 4)).containsExactly("", "1", "2", "4");
      assertThat(client.comments()).containsExactly("a comment goes through the log too");
    }
    assertThat(onA.events().get(3).type()).isEqualTo("chat");
    assertThat(a.broadcaster().stats().eventsBroadcast()).isEqualTo(4);
  }

  @Test
  void aNewClientGetsTheNewestEntryThisNodeDeliveredAsItsPosition() {
    Node a = node(100);
    FakeTransport early = client(a, null);
    broadcast(a, 1, 3);
    a.pump();
    FakeTransport late = client(a, null);

    data(early, 4);
    data(late, 1);
    Await.until(() -> late.wire().contains("id: "), () -> "no id block yet: " + late.wire());
    assertThat(early.wire()).startsWith("data: connected\n\nid: 1\n"); // nothing delivered yet: no position
    assertThat(late.wire()).isEqualTo("data: connected\n\nid: 3\n\n");

    FakeTransport resumed = client(a, "3"); // what the late client would send if it were cut now
    broadcast(a, 4, 4);
    a.pump();
    assertThat(data(resumed, 2)).containsExactly("connected", "e4");
    assertThat(misses).isEmpty();
  }

  @Test
  void clientThatMovesToANodeWhoseHistoryHoldsItsIdResumesFromThatHistory() {
    Node a = node(100);
    Node b = node(100);
    for (int i = 1; i <= 5; i++) {
      a.broadcaster().broadcast(Data.of("e" + i));
    }
    a.pump();
    b.pump();

    FakeTransport moved = client(b, "2");

    assertThat(data(moved, 4)).containsExactly("connected", "e3", "e4", "e5");
    a.broadcaster().broadcast(Data.of("e6"));
    b.pump();
    assertThat(data(moved, 5)).containsExactly("connected", "e3", "e4", "e5", "e6");
    assertThat(b.broadcaster().stats().replayHits()).isEqualTo(1);
  }

  @Test
  void clientAheadOfALaggingNodeGetsNothingTwice() {
    Node a = node(100);
    Node lagging = node(100);
    for (int i = 1; i <= 3; i++) {
      a.broadcaster().broadcast(Data.of("e" + i));
    }
    lagging.pump(); // the lagging node has delivered 1..3
    a.broadcaster().broadcast(Data.of("e4"));
    a.broadcaster().broadcast(Data.of("e5"));
    a.pump(); // a has delivered 1..5; its client saw them all

    FakeTransport moved = client(lagging, "5");
    a.broadcaster().broadcast(Data.of("e6"));
    lagging.pump();

    assertThat(data(moved, 2)).containsExactly("connected", "e6");
    assertThat(ids(moved, 2)).containsExactly("", "6");
    assertThat(lagging.broadcaster().stats().replayHits()).isEqualTo(1);
  }

  @Test
  void idOlderThanTheNodesHistoryIsReplayedFromTheLogAndMeetsTheLiveStreamWithoutGapOrDuplicate() {
    Node a = node(100);
    Node fresh = node(100);
    for (int i = 1; i <= 3; i++) {
      a.broadcaster().broadcast(Data.of("e" + i));
    }
    a.pump();
    Node late = node(100); // started after e1..e3: its history does not hold them
    fresh.pump();
    late.backplane().holdReplays();

    FakeTransport moved = client(late, "1");
    a.broadcaster().broadcast(Data.of("e4")); // in the log before the replay is read
    late.pump(); // delivered live while the replay is read: held for the client
    late.backplane().releaseReplays(); // the replay reads 2..4
    a.broadcaster().broadcast(Data.of("e5"));
    late.pump();

    assertThat(data(moved, 5)).containsExactly("connected", "e2", "e3", "e4", "e5");
    assertThat(ids(moved, 5)).containsExactly("", "2", "3", "4", "5");
    assertThat(late.broadcaster().stats().replayHits()).isEqualTo(1);
    assertThat(misses).isEmpty();
  }

  @Test
  void liveEntriesHeldDuringAReplayThatIsOlderThanThemAreQueuedAfterIt() {
    Node a = node(100);
    a.broadcaster().broadcast(Data.of("e1"));
    a.broadcaster().broadcast(Data.of("e2"));
    Node late = node(100);
    late.backplane().holdReplays();

    FakeTransport moved = client(late, "1");
    late.backplane().releaseReplays(); // reads e2 only
    a.broadcaster().broadcast(Data.of("e3"));
    late.pump();

    assertThat(data(moved, 3)).containsExactly("connected", "e2", "e3");
  }

  @Test
  void aReplayReadFromTheLogWakesTheTransportOnlyAfterTheBroadcasterLockIsReleased() {
    Node a = node(100);
    broadcast(a, 1, 3);
    a.pump();
    Node late = node(100);
    late.backplane().holdReplays();
    DefaultBroadcaster broadcaster = (DefaultBroadcaster) late.broadcaster();
    SseChannel channel = broadcaster.subscribe("1");
    List<String> wakes = new CopyOnWriteArrayList<>();
    // A container's wake-up takes the container's own lock, which its completion callback holds while it needs the
    // broadcaster's lock: waking under the broadcaster's lock is a lock-order inversion.
    channel.start(() -> wakes.add(broadcaster.lockHeldByCurrentThread() ? "under the lock" : "lock free"));
    assertThat(channel.poll()).as("the greeting").isNotNull();
    assertThat(channel.poll()).as("the transport is idle").isNull();

    late.backplane().releaseReplays(); // settles the replay on this thread, waking the idle transport

    assertThat(wakes).containsExactly("lock free");
    assertThat(channel.poll()).hasToString("id: 2\ndata: e2\n\n");
  }

  @ParameterizedTest
  @EnumSource(OverflowPolicy.class)
  void liveEntriesHeldBeyondTheQueueDuringAReplayFollowTheOverflowPolicy(OverflowPolicy policy) {
    Node a = node(100);
    broadcast(a, 1, 3);
    a.pump();
    Node late = node(BroadcasterConfig.builder().history(100).onReplayMiss((client, id) -> misses.add(id))
        .channel(ChannelConfig.builder().maxQueuedEvents(2).overflowPolicy(policy).build()));
    late.backplane().holdReplays();
    SseChannel channel = late.broadcaster().subscribe("1");

    broadcast(a, 4, 7);
    late.pump(); // four live entries held while the replay is read, in a queue of two

    if (policy == OverflowPolicy.DISCONNECT) {
      assertThat(channel.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
      return;
    }
    assertThat(channel.isClosed()).as("a drop policy keeps the client").isFalse();
    assertThat(late.broadcaster().stats().framesDropped()).isEqualTo(2);
    late.backplane().releaseReplays(); // reads e2..e7: the replay gives what was dropped from the held entries
    FakeTransport moved = FakeTransport.serve(channel);
    resources.add(moved);
    assertThat(data(moved, 7)).containsExactly("connected", "e2", "e3", "e4", "e5", "e6", "e7");
    assertThat(misses).isEmpty();
  }

  @Test
  void idNotInTheLogIsAMissAndTheClientGetsLiveEvents() {
    Node a = node(2);
    for (int i = 1; i <= 5; i++) {
      a.broadcaster().broadcast(Data.of("e" + i));
    }
    Node late = node(2);

    FakeTransport tooOld = client(late, "1"); // more than the history behind
    FakeTransport notAnId = client(late, "garbage");
    a.broadcaster().broadcast(Data.of("e6"));
    late.pump();

    assertThat(data(tooOld, 2)).containsExactly("connected", "e6");
    assertThat(data(notAnId, 2)).containsExactly("connected", "e6");
    FakeTransport.Await.until(() -> misses.size() == 2, () -> "misses: " + misses);
    assertThat(misses).containsExactlyInAnyOrder("1", "garbage");
    assertThat(late.broadcaster().stats().replayMisses()).isEqualTo(2);
  }

  /**
   * Has {@code a} broadcast e1..e3, then starts a node with this configuration (its history does not hold them, so
   * a resume from 1 is read from the log) and takes the log down.
   */
  private Node lateNodeWhileTheLogIsDown(Node a, BroadcasterConfig.Builder config) {
    broadcast(a, 1, 3);
    a.pump();
    Node late = node(config.history(100).onReplayMiss((client, id) -> misses.add(id)));
    log.down();
    return late;
  }

  @Test
  void replayTheLogCannotServeWhileDownIsReadAgainOnceItIsBackAndNothingIsMissed() {
    Node a = node(100);
    Node late = lateNodeWhileTheLogIsDown(a, BroadcasterConfig.builder());

    FakeTransport moved = client(late, "1");
    FakeTransport.Await.until(() -> late.backplane().replayReads() >= 2,
        () -> "the replay was not read again; reads: " + late.backplane().replayReads());
    assertThat(moved.data()).as("waiting, told nothing yet").containsExactly("connected");
    assertThat(misses).isEmpty();

    log.up();
    assertThat(data(moved, 3)).containsExactly("connected", "e2", "e3");
    a.broadcaster().broadcast(Data.of("e4"));
    late.pump();

    assertThat(data(moved, 4)).containsExactly("connected", "e2", "e3", "e4");
    assertThat(ids(moved, 4)).containsExactly("", "2", "3", "4");
    assertThat(misses).isEmpty();
    assertThat(late.broadcaster().stats().replayHits()).isEqualTo(1);
    assertThat(late.broadcaster().stats().replayMisses()).isZero();
  }

  @Test
  void replayStillUnreadableWhenTheRetryRunsOutIsAMissThenLiveEvents() {
    Node a = node(100);
    Node late = lateNodeWhileTheLogIsDown(a, BroadcasterConfig.builder().replayRetry(Duration.ofSeconds(1)));

    FakeTransport moved = client(late, "1");
    FakeTransport.Await.until(() -> misses.size() == 1, () -> "no miss; reads: " + late.backplane().replayReads());
    assertThat(late.backplane().replayReads()).as("the first read and more within the second").isGreaterThan(1);
    assertThat(misses).containsExactly("1");

    log.up();
    a.broadcaster().broadcast(Data.of("e4"));
    late.pump();
    assertThat(data(moved, 2)).containsExactly("connected", "e4");
    assertThat(late.broadcaster().stats().replayMisses()).isEqualTo(1);
  }

  @Test
  void replayRetryOfZeroMakesAnUnreadableReplayAMissAtOnce() {
    Node late = lateNodeWhileTheLogIsDown(node(100), BroadcasterConfig.builder().replayRetry(Duration.ZERO));

    client(late, "1");

    FakeTransport.Await.until(() -> misses.size() == 1, () -> "no miss: " + misses);
    assertThat(late.backplane().replayReads()).isEqualTo(1);
    assertThatThrownBy(() -> BroadcasterConfig.builder().replayRetry(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("replayRetry");
  }

  @Test
  void entriesTheLogLostBeforeANodeDeliveredThemAreAGapThatEachClientIsToldOfBeforeTheNextEntry() {
    Node a = node(100, ReplayMissHandler.sendReset());
    Node lagging = node(100, ReplayMissHandler.sendReset());
    FakeTransport onA = client(a, null);
    FakeTransport onLagging = client(lagging, null);
    FakeTransport alsoOnLagging = client(lagging, null);
    loseE3AndE4(a, lagging);

    lagging.pump();
    broadcast(a, 7, 7);
    a.pump();
    lagging.pump();

    for (FakeTransport client : List.of(onLagging, alsoOnLagging)) {
      assertThat(types(client, 7))
          .containsExactly("message", "message", "message", "reset", "message", "message", "message");
      assertThat(data(client, 7)).containsExactly("connected", "e1", "e2", "", "e5", "e6", "e7");
      assertThat(ids(client, 7)).containsExactly("", "1", "2", "", "5", "6", "7");
    }
    assertThat(data(onA, 8)).as("a node that kept up lost nothing")
        .containsExactly("connected", "e1", "e2", "e3", "e4", "e5", "e6", "e7");
    assertThat(lagging.broadcaster().stats().backplaneGaps()).isEqualTo(1);
    assertThat(lagging.broadcaster().stats().replayMisses()).as("a gap is not a replay miss").isZero();
    assertThat(a.broadcaster().stats().backplaneGaps()).isZero();
  }

  @Test
  void afterAGapAResumeFromBeforeItIsAMissNotAReplayThatSkipsTheGap() {
    Node a = node(100);
    Node lagging = node(100);
    loseE3AndE4(a, lagging);
    lagging.pump(); // e1, e2, gap, e5, e6: its history held e1 and e2, which would replay e2, e5, e6 from 1

    FakeTransport fromBefore = client(lagging, "1");
    FakeTransport fromAfter = client(lagging, "5");
    broadcast(a, 7, 7);
    lagging.pump();

    assertThat(data(fromBefore, 2)).containsExactly("connected", "e7");
    assertThat(data(fromAfter, 3)).containsExactly("connected", "e6", "e7");
    FakeTransport.Await.until(() -> misses.contains("1"), () -> "misses: " + misses);
    assertThat(misses).containsExactly("1");
    assertThat(lagging.broadcaster().stats().replayMisses()).isEqualTo(1);
    assertThat(lagging.broadcaster().stats().backplaneGaps()).isEqualTo(1);
  }

  @Test
  void aClientThatCameFromANodeAheadOfTheGapIsNotToldOfIt() {
    Node a = node(100);
    Node lagging = node(100);
    loseE3AndE4(a, lagging);
    FakeTransport moved = client(lagging, "6"); // saw e1..e6 on a: it skips what the lagging node delivers up to 6
    broadcast(a, 7, 7);

    lagging.pump();

    assertThat(data(moved, 2)).containsExactly("connected", "e7");
    assertThat(misses).isEmpty();
    assertThat(lagging.broadcaster().stats().backplaneGaps()).isEqualTo(1);
  }

  @Test
  void aClientThatResumesWhileAGapIsBeingReportedFromBeforeItIsAMiss() {
    List<FakeTransport> resumedDuringTheGap = new CopyOnWriteArrayList<>();
    AtomicBoolean resumed = new AtomicBoolean();
    Node[] lagging = new Node[1];
    lagging[0] = node(100, (client, id) -> {
      misses.add(id);
      if (resumed.compareAndSet(false, true)) { // the handler runs between the gap's report and the next entry
        resumedDuringTheGap.add(client(lagging[0], "2"));
      }
    });
    Node a = node(100);
    client(lagging[0], null);
    loseE3AndE4(a, lagging[0]);

    lagging[0].pump();

    // "2" is the newest id the node had delivered: without the gap it would only skip entries up to it.
    assertThat(data(resumedDuringTheGap.get(0), 3)).containsExactly("connected", "e5", "e6");
    assertThat(misses).containsExactly("2", "2");
    assertThat(lagging[0].broadcaster().stats().replayMisses()).isEqualTo(1);
  }

  @Test
  void whileTheLogIsDownBroadcastsFailFastClientsStayAndTheStatsShowTheOutage() throws Exception {
    Node a = node(100);
    FakeTransport client = client(a, null);
    log.down();

    assertThatThrownBy(() -> a.broadcaster().broadcast(Data.of("lost")))
        .isInstanceOf(BackplaneUnavailableException.class);
    CompletableFuture<Void> paced = a.broadcaster().broadcastPaced(Data.of("lost too")).toCompletableFuture();
    assertThat(paced).isCompletedExceptionally();
    assertThatThrownBy(paced::get).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(BackplaneUnavailableException.class);
    BroadcasterStats down = a.broadcaster().stats();
    assertThat(down.backplaneDown()).isTrue();
    assertThat(down.backplaneOutages()).isEqualTo(1);
    assertThat(down.publishFailures()).isEqualTo(2);
    assertThat(client.ended()).isFalse();
    assertThat(a.broadcaster().clientCount()).isEqualTo(1);

    log.up();
    a.broadcaster().broadcastPaced(Data.of("back")).toCompletableFuture().get();
    a.pump();
    assertThat(data(client, 2)).containsExactly("connected", "back");
    assertThat(a.broadcaster().stats().backplaneDown()).isFalse();
  }

  @Test
  void eventsThatCannotBePublishedAreRefusedBeforeTheLogSeesThem() {
    FakeBackplane backplane = new FakeBackplane(log);
    Broadcaster small = Broadcasters.create(BroadcasterConfig.builder()
        .channel(ChannelConfig.builder().maxEventBytes(64).build())
        .backplane(backplane)
        .build());
    resources.add(small);

    assertThatThrownBy(() -> small.broadcast(Data.of("x".repeat(100))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> small.broadcast(Data.of("mine").withId("7")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backplane's id");
    assertThat(log.entries()).isEmpty();
  }

  @Test
  void aBackplaneServesOneBroadcasterAndClosesWithIt() {
    FakeBackplane backplane = new FakeBackplane(log);
    BroadcasterConfig config = BroadcasterConfig.builder().backplane(backplane).build();
    Broadcaster first = Broadcasters.create(config);

    assertThatThrownBy(() -> Broadcasters.create(config)).isInstanceOf(IllegalStateException.class);
    assertThat(first.isClosed()).isFalse();
    first.close();
    assertThat(backplane.pump()).isZero();
  }

  /** A node started after {@code a} broadcast e1..e{count}: its history holds none of them. */
  private Node lateNodeAfter(Node a, int count, BroadcasterConfig.Builder config) {
    broadcast(a, 1, count);
    a.pump();
    return node(config);
  }

  private static List<String> range(int from, int to) {
    List<String> events = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      events.add("e" + i);
    }
    return events;
  }

  @Test
  void idOlderThanAFullHistoryIsAMissDecidedWithoutReadingTheLog() {
    Node a = node(100);
    Node b = node(3);
    broadcast(a, 1, 6);
    b.pump(); // b's history holds e4..e6 and let go of e3

    FakeTransport stale = client(b, "1");
    FakeTransport staler = client(b, "0-1");

    FakeTransport.Await.until(() -> misses.size() == 2, () -> "misses: " + misses);
    assertThat(misses).containsExactlyInAnyOrder("1", "0-1");
    assertThat(b.backplane().replayReads()).as("reads of the log").isZero();
    assertThat(data(stale, 1)).containsExactly("connected");
    assertThat(data(staler, 1)).containsExactly("connected");
  }

  @Test
  void idJustBeforeAFullHistoryIsReplayedFromTheLogInFull() {
    Node a = node(100);
    Node b = node(3);
    broadcast(a, 1, 6);
    b.pump();

    FakeTransport resumed = client(b, "3"); // exactly three entries follow it: as many as the history holds

    assertThat(data(resumed, 4)).containsExactly("connected", "e4", "e5", "e6");
    assertThat(misses).isEmpty();
  }

  @Test
  void aLongReplayIsReadAPageAtATimeAsTheClientDrainsItsQueue() {
    Node a = node(200);
    Node late = lateNodeAfter(a, 100, BroadcasterConfig.builder().history(200)
        .channel(ChannelConfig.builder().maxQueuedEvents(64).maxQueuedBytes(128).maxEventBytes(64).build()));
    FakeTransport paused = FakeTransport.servePaused(late.broadcaster().subscribe("1"));
    resources.add(paused);

    assertThat(late.backplane().replayReads()).as("pages read before the client reads").isEqualTo(1);
    assertThat(late.backplane().replayEntriesRead()).isEqualTo(ClusterReplays.REPLAY_PAGE);
    assertThat(late.broadcaster().stats().bytesPending()).as("the queue's byte bound holds; the rest is parked")
        .isLessThanOrEqualTo(128);

    paused.resume();
    List<String> expected = new ArrayList<>(List.of("connected"));
    expected.addAll(range(2, 100));
    assertThat(data(paused, 100)).containsExactlyElementsOf(expected);
    assertThat(late.backplane().replayReads()).as("99 entries in pages of 32").isEqualTo(4);
    assertThat(late.backplane().replayEntriesRead()).isEqualTo(99);
    assertThat(late.broadcaster().stats().replayHits()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(value = OverflowPolicy.class, names = {"DISCONNECT", "DROP_NEWEST"})
  void aClientThatNeverReadsStallsOnlyItsOwnReplayAndMeetsItsOverflowPolicy(OverflowPolicy policy) {
    Node a = node(200);
    Node late = lateNodeAfter(a, 100, BroadcasterConfig.builder().history(200).maxConcurrentReplays(1)
        .slowClientGrace(Duration.ofMillis(100))
        .channel(ChannelConfig.builder().maxQueuedEvents(8).overflowPolicy(policy).build()));
    SseChannel channel = late.broadcaster().subscribe("1");
    FakeTransport stalled = FakeTransport.servePaused(channel);
    resources.add(stalled);

    FakeTransport reader = client(late, "50"); // waits for the one turn, which the stalled replay gives up

    List<String> expected = new ArrayList<>(List.of("connected"));
    expected.addAll(range(51, 100));
    assertThat(data(reader, 51)).containsExactlyElementsOf(expected);
    if (policy == OverflowPolicy.DISCONNECT) {
      FakeTransport.Await.until(channel::isClosed, () -> "still open: " + channel);
      assertThat(channel.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
      // The channel is closed before it is counted and before its close listeners run, one of which removes it.
      FakeTransport.Await.until(() -> late.broadcaster().clientCount() == 1,
          () -> "clients: " + late.broadcaster().clientCount());
      FakeTransport.Await.until(() -> late.broadcaster().stats().slowClientsDisconnected() == 1,
          () -> "stats: " + late.broadcaster().stats());
      return;
    }
    assertThat(late.broadcaster().stats().slowClientsDisconnected()).isZero();
    stalled.resume(); // its replay goes on where it stopped
    expected = new ArrayList<>(List.of("connected"));
    expected.addAll(range(2, 100));
    assertThat(data(stalled, 100)).containsExactlyElementsOf(expected);
    assertThat(misses).isEmpty();
  }

  @Test
  void replaysBeyondTheLimitWaitForATurnAndAllArriveInFull() {
    Node a = node(100);
    Node late = lateNodeAfter(a, 10, BroadcasterConfig.builder().history(100).maxConcurrentReplays(2));
    late.backplane().holdReplays();
    List<FakeTransport> clients = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      clients.add(client(late, "5"));
    }

    assertThat(late.backplane().replayReads()).as("reads asked while two replays hold the turns").isEqualTo(2);
    late.backplane().releaseReplays();

    for (FakeTransport client : clients) {
      assertThat(data(client, 6)).containsExactly("connected", "e6", "e7", "e8", "e9", "e10");
    }
    assertThat(late.backplane().replayReads()).isEqualTo(5);
    assertThat(late.broadcaster().stats().replayHits()).isEqualTo(5);
  }

  @Test
  void aReplayLongerThanTheHistoryEndsInTheMissSignalBeforeTheLiveEventsNeverASilentGap() {
    Node a = node(200);
    Node late = lateNodeAfter(a, 100, BroadcasterConfig.builder().history(40));

    FakeTransport resumed = client(late, "1");
    FakeTransport.Await.until(() -> late.broadcaster().stats().replayMisses() == 1, () -> "no miss");
    a.broadcaster().broadcast(Data.of("live"));
    late.pump();

    List<MessageEvent> events = resumed.awaitEvents(ClusterReplays.REPLAY_PAGE + 3);
    List<String> expected = new ArrayList<>(List.of("connected"));
    expected.addAll(range(2, ClusterReplays.REPLAY_PAGE + 1)); // the first page, sent before the rest was read
    expected.addAll(List.of("", "live"));
    assertThat(events.stream().map(MessageEvent::data).toList()).containsExactlyElementsOf(expected);
    assertThat(events.get(ClusterReplays.REPLAY_PAGE + 1).type()).isEqualTo("reset");
    assertThat(late.backplane().replayEntriesRead()).as("no more than the history and one").isLessThanOrEqualTo(41);
  }
}
