package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.BroadcasterStats;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import dev.herald.sse.TooManyClientsException;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.OverflowPolicy;
import dev.herald.sse.core.ReplayMissHandler;
import dev.herald.sse.core.testing.FakeTransport;
import dev.herald.sse.core.testing.FakeTransport.Await;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DefaultBroadcasterTest {
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void closeResources() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  private Broadcaster broadcaster(BroadcasterConfig.Builder config) {
    Broadcaster broadcaster = Broadcasters.create(config.build());
    resources.add(broadcaster);
    return broadcaster;
  }

  private Broadcaster broadcaster() {
    return broadcaster(BroadcasterConfig.builder());
  }

  private FakeTransport client(Broadcaster broadcaster) {
    return serve(broadcaster.subscribe(null));
  }

  private FakeTransport serve(SseChannel channel) {
    FakeTransport transport = FakeTransport.serve(channel);
    resources.add(transport);
    return transport;
  }

  private FakeTransport stalled(SseChannel channel) {
    FakeTransport transport = FakeTransport.servePaused(channel);
    resources.add(transport);
    return transport;
  }

  private static ChannelConfig smallQueue(OverflowPolicy policy) {
    return ChannelConfig.builder().maxQueuedEvents(8).overflowPolicy(policy).build();
  }

  /** Broadcasts 0 to count-1 in bursts the reader's queue holds, letting the reader keep up between bursts. */
  private static void broadcastKeepingUpWith(Broadcaster broadcaster, FakeTransport reader, int count) {
    for (int i = 0; i < count; i++) {
      broadcaster.broadcast(Data.of(Integer.toString(i)));
      if (i % 4 == 3) {
        reader.awaitEvents(i + 1);
      }
    }
  }

  private static List<String> numbers(int from, int toExclusive) {
    return IntStream.range(from, toExclusive).mapToObj(Integer::toString).toList();
  }

  // ---- fan-out ----

  @Test
  void broadcastsWakeIdleTransportsOnlyAfterReleasingTheLock() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().heartbeat(Duration.ZERO));
    SseChannel channel = broadcaster.subscribe(null);
    List<String> wakes = new CopyOnWriteArrayList<>();
    channel.start(() -> {
      // Another thread takes the broadcaster's lock while the transport is woken: it could not if the waking
      // broadcast still held it. (The deadline only bounds a failing run.)
      FutureTask<Integer> other = new FutureTask<>(broadcaster::clientCount);
      new Thread(other, "lock-probe").start();
      try {
        other.get(10, TimeUnit.SECONDS);
        wakes.add("lock free");
      } catch (TimeoutException e) {
        wakes.add("lock held");
      } catch (Exception e) {
        wakes.add(e.toString());
      }
    });

    assertThat(channel.poll()).isNull(); // the transport found nothing: it is idle
    broadcaster.broadcast(Data.of("plain"));
    assertThat(channel.poll()).isNotNull();
    assertThat(channel.poll()).isNull();
    broadcaster.broadcastPaced(Data.of("paced")).toCompletableFuture().join();

    assertThat(wakes).containsExactly("lock free", "lock free");
  }

  @Test
  void broadcastReachesEveryClientInOrder() {
    Broadcaster broadcaster = broadcaster();
    FakeTransport a = client(broadcaster);
    FakeTransport b = client(broadcaster);

    for (int i = 0; i < 100; i++) {
      assertThat(broadcaster.broadcast(Data.of(Integer.toString(i)))).isEqualTo(2);
    }

    assertThat(a.awaitEvents(100)).extracting(MessageEvent::data).containsExactlyElementsOf(numbers(0, 100));
    assertThat(b.awaitEvents(100)).extracting(MessageEvent::data).containsExactlyElementsOf(numbers(0, 100));
  }

  @Test
  void broadcastEncodesOnceAndEveryClientSharesTheBytes() {
    Broadcaster broadcaster = broadcaster();
    SseChannel a = broadcaster.subscribe(null);
    SseChannel b = broadcaster.subscribe(null);

    broadcaster.broadcast(Data.of("shared"));

    Frame first = a.poll();
    assertThat(first).isNotNull();
    assertThat(b.poll()).isSameAs(first);
  }

  @Test
  void commentsAreBroadcastToo() {
    Broadcaster broadcaster = broadcaster();
    FakeTransport client = client(broadcaster);

    broadcaster.broadcast(Comment.of("note"));
    broadcaster.broadcast(Data.of("after"));

    client.awaitEvents(1);
    assertThat(client.comments()).containsExactly("note");
  }

  // ---- slow clients ----

  @Test
  void clientThatNeverReadsIsDisconnectedAndDoesNotHoldUpTheOthers() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().channel(smallQueue(OverflowPolicy.DISCONNECT)));
    FakeTransport reader = client(broadcaster);
    SseChannel stalledChannel = broadcaster.subscribe(null);
    stalled(stalledChannel);

    broadcastKeepingUpWith(broadcaster, reader, 1000);

    assertThat(reader.awaitEvents(1000)).extracting(MessageEvent::data).containsExactlyElementsOf(numbers(0, 1000));
    assertThat(stalledChannel.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
    assertThat(broadcaster.clientCount()).isEqualTo(1);
    assertThat(broadcaster.stats().slowClientsDisconnected()).isEqualTo(1);
  }

  @Test
  void dropNewestKeepsTheStalledClientWithTheOldestEvents() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().channel(smallQueue(OverflowPolicy.DROP_NEWEST)));
    FakeTransport reader = client(broadcaster);
    FakeTransport stalled = stalled(broadcaster.subscribe(null));

    broadcastKeepingUpWith(broadcaster, reader, 100);
    reader.awaitEvents(100);
    stalled.resume();

    assertThat(stalled.awaitEvents(8)).extracting(MessageEvent::data).containsExactlyElementsOf(numbers(0, 8));
    assertThat(broadcaster.clientCount()).isEqualTo(2);
    assertThat(broadcaster.stats().framesDropped()).isEqualTo(92);
  }

  @Test
  void dropOldestKeepsTheStalledClientWithTheNewestEvents() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().channel(smallQueue(OverflowPolicy.DROP_OLDEST)));
    FakeTransport reader = client(broadcaster);
    FakeTransport stalled = stalled(broadcaster.subscribe(null));

    broadcastKeepingUpWith(broadcaster, reader, 100);
    reader.awaitEvents(100);
    stalled.resume();

    assertThat(stalled.awaitEvents(8)).extracting(MessageEvent::data).containsExactlyElementsOf(numbers(92, 100));
    assertThat(broadcaster.stats().framesDropped()).isEqualTo(92);
  }

  @Test
  void stalledClientsHoldNoMoreThanTheirQueueBounds() {
    ChannelConfig bounded = ChannelConfig.builder()
        .maxQueuedEvents(1000).maxQueuedBytes(4096).overflowPolicy(OverflowPolicy.DROP_OLDEST).build();
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().channel(bounded));
    for (int c = 0; c < 10; c++) {
      stalled(broadcaster.subscribe(null));
    }

    String payload = "x".repeat(100);
    for (int i = 0; i < 10_000; i++) {
      broadcaster.broadcast(Data.of(payload));
    }

    BroadcasterStats stats = broadcaster.stats();
    assertThat(stats.bytesPending()).isLessThanOrEqualTo(10 * 4096L).isGreaterThan(0);
    assertThat(stats.framesPending()).isLessThanOrEqualTo(10 * 4096L / 108);
  }

  // ---- paced broadcasts ----

  @Test
  void pacedBroadcastRunsAsFastAsTheSlowestReaderAndDropsNothing() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .channel(queueOf(2))
        .slowClientGrace(Duration.ofMinutes(1)));
    FakeTransport fast = client(broadcaster);
    FakeTransport slow = stalled(broadcaster.subscribe(null));

    CompletableFuture<Void> first = broadcaster.broadcastPaced(Data.of("1")).toCompletableFuture();
    CompletableFuture<Void> second = broadcaster.broadcastPaced(Data.of("2")).toCompletableFuture();
    CompletableFuture<Void> third = broadcaster.broadcastPaced(Data.of("3")).toCompletableFuture();

    assertThat(first).isDone();
    assertThat(second).isDone();
    assertThat(third).as("the slow client's queue is full").isNotDone();
    slow.resume();
    third.join();
    for (int i = 4; i <= 50; i++) {
      broadcaster.broadcastPaced(Data.of(Integer.toString(i))).toCompletableFuture().join();
    }

    assertThat(slow.awaitEvents(50)).extracting(MessageEvent::data).containsExactlyElementsOf(numbers(1, 51));
    assertThat(fast.awaitEvents(50)).extracting(MessageEvent::data).containsExactlyElementsOf(numbers(1, 51));
    assertThat(broadcaster.stats().framesDropped()).isZero();
    assertThat(broadcaster.stats().slowClientsDisconnected()).isZero();
  }

  @Test
  void pacedBroadcastGivesUpOnAStalledClientAfterTheGrace() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .channel(queueOf(2))
        .slowClientGrace(Duration.ofSeconds(1))); // long enough for the reader on a busy machine
    FakeTransport reader = client(broadcaster);
    SseChannel stalledChannel = broadcaster.subscribe(null);
    stalled(stalledChannel);

    for (int i = 0; i < 20; i++) {
      broadcaster.broadcastPaced(Data.of(Integer.toString(i))).toCompletableFuture().join();
    }

    assertThat(stalledChannel.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
    assertThat(reader.awaitEvents(20)).extracting(MessageEvent::data).containsExactlyElementsOf(numbers(0, 20));
  }

  @Test
  void pacedBroadcastWithDropNewestDropsForTheStalledClientOnlyAfterTheGrace() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .channel(ChannelConfig.builder().maxQueuedEvents(2).overflowPolicy(OverflowPolicy.DROP_NEWEST).build())
        .slowClientGrace(Duration.ofMillis(20)));
    FakeTransport stalled = stalled(broadcaster.subscribe(null));

    for (int i = 0; i < 5; i++) {
      broadcaster.broadcastPaced(Data.of(Integer.toString(i))).toCompletableFuture().join();
    }
    stalled.resume();

    assertThat(stalled.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("0", "1");
    assertThat(broadcaster.stats().framesDropped()).isEqualTo(3);
    assertThat(broadcaster.clientCount()).isEqualTo(1);
  }

  // ---- leaving ----

  @Test
  void closedClientLeavesAtOnce() {
    Broadcaster broadcaster = broadcaster();
    SseChannel channel = broadcaster.subscribe(null);
    broadcaster.subscribe(null);
    assertThat(broadcaster.clientCount()).isEqualTo(2);

    channel.close(CloseReason.CLIENT_GONE);

    assertThat(broadcaster.clientCount()).isEqualTo(1);
    assertThat(broadcaster.broadcast(Data.of("x"))).isEqualTo(1);
  }

  @Test
  void clientsJoiningAndLeavingWhileBroadcastingEndWithNoneLeft() throws Exception {
    Broadcaster broadcaster = broadcaster();
    Thread producer = new Thread(() -> {
      for (int i = 0; i < 20_000; i++) {
        broadcaster.broadcast(Data.of("x"));
      }
    });
    producer.start();
    for (int i = 0; i < 2_000; i++) {
      SseChannel channel = broadcaster.subscribe(null);
      channel.start(() -> {});
      channel.poll();
      channel.close(i % 2 == 0 ? CloseReason.CLIENT_GONE : CloseReason.ERROR);
    }
    producer.join();

    assertThat(broadcaster.clientCount()).isZero();
    assertThat(broadcaster.stats().clientsConnected()).isEqualTo(2_000);
  }

  // ---- heartbeat ----

  @Test
  void idleClientGetsAHeartbeatComment() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ofMillis(20)).heartbeatComment("still here"));
    FakeTransport client = client(broadcaster);

    Await.until(() -> client.comments().contains("still here"), () -> "no heartbeat: " + client.wire());
    assertThat(client.wire()).startsWith(": still here\n\n");
    // The tick counts its pings after queuing them all, so the count may trail the first delivery.
    Await.until(() -> broadcaster.stats().heartbeatsSent() > 0, () -> "heartbeat not counted");
  }

  @Test
  void heartbeatSkipsClientsThatWereWrittenToWithinTheInterval() {
    DefaultBroadcaster broadcaster = (DefaultBroadcaster) broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ofHours(1)));
    long interval = Duration.ofHours(1).toNanos();
    SseChannel quiet = broadcaster.subscribe(null);
    SseChannel chatty = broadcaster.subscribe(null);
    long start = System.nanoTime();

    broadcaster.heartbeat(start + interval / 2);
    assertThat(quiet.hasPending()).as("new clients were just written to").isFalse();

    chatty.sender().trySend(Data.of("direct"));
    ((DefaultChannel) chatty).lastSendNanos = start + interval;
    broadcaster.heartbeat(start + interval + interval / 2);

    assertThat(quiet.hasPending()).as("idle for a whole interval").isTrue();
    assertThat(quiet.poll().toString()).isEqualTo(": ping\n\n");
    assertThat(chatty.poll().toString()).isEqualTo("data: direct\n\n");
    assertThat(chatty.poll()).as("written to within the interval").isNull();
  }

  @Test
  void heartbeatDisconnectsAClientWhoseFullQueueDidNotMoveForAWholeInterval() {
    DefaultBroadcaster broadcaster = (DefaultBroadcaster) broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ofHours(1)).channel(smallQueue(OverflowPolicy.DISCONNECT)));
    long interval = Duration.ofHours(1).toNanos();
    SseChannel stalled = broadcaster.subscribe(null);
    SseChannel reading = broadcaster.subscribe(null);
    for (int i = 0; i < 8; i++) {
      broadcaster.broadcast(Data.of("fills the queue " + i));
    }
    while (reading.poll() != null) {
      // the reader keeps up; the stalled client takes nothing
    }
    long start = System.nanoTime();

    broadcaster.heartbeat(start + interval + interval / 2);

    assertThat(stalled.closeReason()).as("a half-open client, found once broadcasts stop")
        .isEqualTo(CloseReason.SLOW_CONSUMER);
    assertThat(reading.isClosed()).isFalse();
    assertThat(reading.poll().toString()).isEqualTo(": ping\n\n");
    assertThat(broadcaster.clientCount()).isEqualTo(1);
    assertThat(broadcaster.stats().slowClientsDisconnected()).isEqualTo(1);
  }

  @Test
  void heartbeatLeavesAFullClientAloneUnderADropPolicy() {
    DefaultBroadcaster broadcaster = (DefaultBroadcaster) broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ofHours(1)).channel(smallQueue(OverflowPolicy.DROP_OLDEST)));
    SseChannel stalled = broadcaster.subscribe(null);
    for (int i = 0; i < 8; i++) {
      broadcaster.broadcast(Data.of("fills the queue " + i));
    }

    broadcaster.heartbeat(System.nanoTime() + Duration.ofHours(2).toNanos());

    assertThat(stalled.isClosed()).isFalse();
    assertThat(stalled.poll().toString()).as("no event is dropped for a ping").isEqualTo("data: fills the queue 0\n\n");
  }

  @Test
  void heartbeatSkipsEveryoneAfterARecentBroadcast() {
    DefaultBroadcaster broadcaster = (DefaultBroadcaster) broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ofHours(1)));
    SseChannel client = broadcaster.subscribe(null);
    ((DefaultChannel) client).lastSendNanos = System.nanoTime() - Duration.ofHours(2).toNanos();

    broadcaster.broadcast(Data.of("news"));
    broadcaster.heartbeat(System.nanoTime());

    assertThat(client.poll().toString()).isEqualTo("data: news\n\n");
    assertThat(client.poll()).isNull();
  }

  @Test
  void sharedTimerStopsWhenTheLastBroadcasterCloses() {
    Broadcaster first = Broadcasters.create();
    Broadcaster second = Broadcasters.create();
    assertThat(SharedTimer.isRunning()).isTrue();

    first.close();
    assertThat(SharedTimer.isRunning()).isTrue();
    second.close();

    assertThat(SharedTimer.isRunning()).isFalse();
  }

  @Test
  void sharedTimerThreadDoesNotKeepTheContextClassLoaderOfTheThreadThatStartedIt() throws Exception {
    // In a servlet container the first broadcaster is often made on a request thread, whose context class loader
    // is the web app's; the shared thread outlives that request and must not hold on to it.
    assertThat(SharedTimer.isRunning()).isFalse();
    try (URLClassLoader webApp = new URLClassLoader(new URL[0], null)) {
      AtomicReference<Broadcaster> made = new AtomicReference<>();
      Thread request = new Thread(() -> made.set(Broadcasters.create()), "request");
      request.setContextClassLoader(webApp);
      request.start();
      request.join();

      ScheduledExecutorService timer = SharedTimer.acquire();
      try {
        assertThat(timer.submit(() -> Thread.currentThread().getContextClassLoader()).get())
            .isSameAs(SharedTimer.class.getClassLoader());
      } finally {
        SharedTimer.release(timer);
        made.get().close();
      }
    }
  }

  // ---- ids, greeting, replay ----

  @Test
  void assignedIdsIncreaseFromOne() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().assignIds(true).firstId(1));
    FakeTransport client = client(broadcaster);

    broadcaster.broadcast(Data.of("a"));
    broadcaster.broadcast(Data.of("b").withId("own"));
    broadcaster.broadcast(Data.of("c"));

    assertThat(client.awaitEvents(3)).extracting(MessageEvent::lastEventId).containsExactly("1", "own", "2");
  }

  @Test
  void greetingComesFirstThenTheReplayThenLiveEvents() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .greeting(Data.of("connected")).assignIds(true).firstId(1).history(100).channel(queueOf(100)));
    for (int i = 1; i <= 5; i++) {
      broadcaster.broadcast(Data.of("event " + i));
    }

    FakeTransport client = serve(broadcaster.subscribe("3"));
    broadcaster.broadcast(Data.of("event 6"));

    assertThat(client.awaitEvents(4)).extracting(MessageEvent::data)
        .containsExactly("connected", "event 4", "event 5", "event 6");
    assertThat(client.events()).extracting(MessageEvent::lastEventId).containsExactly("", "4", "5", "6");
    assertThat(broadcaster.stats().replayHits()).isEqualTo(1);
  }

  @Test
  void replayCanExceedTheQueueBoundWithoutDisconnectingTheClient() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .channel(queueOf(4)).assignIds(true).firstId(1).history(100));
    for (int i = 1; i <= 50; i++) {
      broadcaster.broadcast(Data.of(Integer.toString(i)));
    }
    SseChannel channel = broadcaster.subscribe("10");

    broadcaster.broadcast(Data.of("51"));
    FakeTransport client = serve(channel);

    assertThat(client.awaitEvents(41)).extracting(MessageEvent::data).containsExactlyElementsOf(numbers(11, 52));
    assertThat(channel.isClosed()).isFalse();
  }

  @Test
  void unknownLastEventIdIsReportedAndTheClientGetsLiveEvents() {
    List<String> misses = new CopyOnWriteArrayList<>();
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .assignIds(true).firstId(1).history(3).channel(queueOf(3)).onReplayMiss((client, id) -> misses.add(id)));
    for (int i = 1; i <= 10; i++) {
      broadcaster.broadcast(Data.of(Integer.toString(i)));
    }

    FakeTransport client = serve(broadcaster.subscribe("5"));
    broadcaster.broadcast(Data.of("11"));

    assertThat(client.awaitEvents(1)).extracting(MessageEvent::data).containsExactly("11");
    assertThat(misses).containsExactly("5");
    assertThat(broadcaster.stats().replayMisses()).isEqualTo(1);
  }

  @Test
  void unknownLastEventIdGetsAResetEventWithAnEmptyIdByDefault() {
    Broadcaster broadcaster = broadcaster(numbered(10));
    broadcaster.broadcast(Data.of("before the client came back"));

    // As after a server restart: the id the client remembers was never in this history.
    FakeTransport client = serve(broadcaster.subscribe("41"));
    broadcaster.broadcast(Data.of("live"));

    assertThat(client.awaitEvents(2)).containsExactly(
        new MessageEvent("reset", "", ""),
        new MessageEvent("message", "live", "2"));
    assertThat(client.wire()).startsWith("id:\nevent: reset\ndata:\n\n");
    assertThat(broadcaster.stats().replayMisses()).isEqualTo(1);
  }

  @Test
  void ignoringReplayMissesTellsTheClientNothing() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .assignIds(true).firstId(1).history(10).channel(queueOf(10)).onReplayMiss(ReplayMissHandler.ignore()));

    FakeTransport client = serve(broadcaster.subscribe("41"));
    broadcaster.broadcast(Data.of("live"));

    assertThat(client.awaitEvents(1)).containsExactly(new MessageEvent("message", "live", "1"));
    assertThat(broadcaster.stats().replayMisses()).isEqualTo(1);
  }

  @Test
  void replayMissHandlerCanTalkToTheClient() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .onReplayMiss((client, id) -> client.trySend(Data.of("unknown id " + id).withName("reset"))));

    FakeTransport client = serve(broadcaster.subscribe("99"));

    assertThat(client.awaitEvents(1)).containsExactly(new MessageEvent("reset", "unknown id 99", ""));
  }

  @Test
  void everyStreamGetsTheCurrentPositionAtOnce() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .greeting(Data.of("connected")).assignIds(true).firstId(1).history(10).channel(queueOf(10)));
    broadcaster.broadcast(Data.of("a"));
    broadcaster.broadcast(Data.of("b"));

    FakeTransport client = serve(broadcaster.subscribe(null));
    client.awaitEvents(1);
    // The id-only block dispatches no event: wait for its bytes, which a later drain may write.
    Await.until(() -> client.wire().contains("id: "), () -> "no id block yet: " + client.wire());

    // An id-only block: the client's last event id is 2 before any event reaches it, so a client cut now
    // reconnects with Last-Event-ID: 2.
    assertThat(client.wire()).isEqualTo("data: connected\n\nid: 2\n\n");
  }

  @Test
  void aClientThatCameBeforeAnyEventResumesFromTheStart() {
    Broadcaster broadcaster = broadcaster(numbered(10));
    FakeTransport first = serve(broadcaster.subscribe(null));
    broadcaster.broadcast(Data.of("a"));
    broadcaster.broadcast(Data.of("b"));
    first.awaitEvents(2);
    assertThat(first.wire()).startsWith("id: 0\n\n");

    FakeTransport again = serve(broadcaster.subscribe("0"));

    assertThat(again.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("a", "b");
    assertThat(broadcaster.stats().replayMisses()).isZero();
  }

  @Test
  void aClientWhoseIdIsUnknownGetsTheResetThenThePosition() {
    Broadcaster broadcaster = broadcaster(numbered(10));
    broadcaster.broadcast(Data.of("before the client came back"));

    FakeTransport client = serve(broadcaster.subscribe("41"));
    client.awaitEvents(1);
    Await.until(() -> client.wire().contains("id: 1"), () -> "no id block yet: " + client.wire());

    // The reset's empty id clears the client's last event id; the position after it gives it a new one.
    assertThat(client.wire()).isEqualTo("id:\nevent: reset\ndata:\n\nid: 1\n\n");
  }

  @Test
  void emptyLastEventIdMeansAFreshClient() {
    Broadcaster broadcaster = broadcaster(numbered(10));

    SseChannel channel = broadcaster.subscribe("");

    assertThat(channel.lastEventId()).isNull();
    assertThat(broadcaster.stats().replayMisses()).isZero();
  }

  @Test
  void historyForgetsEventsOlderThanItsMaxAge() {
    History history = new History(10, 10, Duration.ofSeconds(1).toNanos());
    Frame frame = dev.herald.sse.core.EventEncoder.encode(Data.of("x"));
    history.add("1", null, frame, 0);
    history.add("2", null, frame, Duration.ofMillis(500).toNanos());
    history.add("3", null, frame, Duration.ofMillis(900).toNanos());

    assertThat(history.after("1", ClientTopics.NONE, Duration.ofMillis(950).toNanos())).hasSize(2);
    assertThat(history.after("1", ClientTopics.NONE, Duration.ofMillis(1100).toNanos())).isNull();
    assertThat(history.after("2", ClientTopics.NONE, Duration.ofMillis(1100).toNanos())).hasSize(1);
    assertThat(history.size()).isEqualTo(2);
  }

  @Test
  void historyKeepsTheLastNEvents() {
    History history = new History(3, 3, Long.MAX_VALUE);
    Frame frame = dev.herald.sse.core.EventEncoder.encode(Data.of("x"));
    for (int i = 1; i <= 5; i++) {
      history.add(Integer.toString(i), null, frame, i);
    }

    assertThat(history.after("2", ClientTopics.NONE, 10)).isNull();
    assertThat(history.after("3", ClientTopics.NONE, 10)).hasSize(2);
    assertThat(history.after("5", ClientTopics.NONE, 10)).isEmpty();
  }

  // ---- limits and lifecycle ----

  @Test
  void clientsBeyondTheLimitAreRefused() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().maxClients(2));
    broadcaster.subscribe(null);
    SseChannel second = broadcaster.subscribe(null);

    assertThatThrownBy(() -> broadcaster.subscribe(null)).isInstanceOf(TooManyClientsException.class)
        .hasMessageContaining("2");
    second.close(CloseReason.CLIENT_GONE);
    assertThat(broadcaster.subscribe(null)).isNotNull();
  }

  @Test
  void closeEndsEveryStreamAfterWhatWasQueued() {
    Broadcaster broadcaster = broadcaster();
    FakeTransport a = client(broadcaster);
    FakeTransport b = client(broadcaster);
    broadcaster.broadcast(Data.of("last"));

    broadcaster.close();
    broadcaster.close();

    a.awaitEnded();
    b.awaitEnded();
    assertThat(a.data()).containsExactly("last");
    assertThat(b.data()).containsExactly("last");
    assertThat(broadcaster.clientCount()).isZero();
    assertThat(broadcaster.isClosed()).isTrue();
  }

  @Test
  void broadcastingOrSubscribingAfterCloseFails() {
    Broadcaster broadcaster = broadcaster();
    broadcaster.close();

    assertThatThrownBy(() -> broadcaster.broadcast(Data.of("x"))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> broadcaster.broadcastPaced(Data.of("x"))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> broadcaster.subscribe(null)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void statsCountWhatHappened() {
    Broadcaster broadcaster = broadcaster(numbered(10));
    SseChannel a = broadcaster.subscribe(null);
    broadcaster.subscribe(null);
    broadcaster.broadcast(Data.of("one"));
    broadcaster.broadcast(Data.of("two"));
    broadcaster.subscribe("1");
    broadcaster.subscribe("nope");
    a.close(CloseReason.CLIENT_GONE);

    BroadcasterStats stats = broadcaster.stats();

    assertThat(stats.clients()).isEqualTo(3);
    assertThat(stats.clientsConnected()).isEqualTo(4);
    assertThat(stats.eventsBroadcast()).isEqualTo(2);
    assertThat(stats.framesQueued())
        .as("two broadcasts to two, the replay of 'two', the positions of the new and the unknown clients")
        .isEqualTo(2 + 2 + 1 + 3);
    assertThat(stats.framesPending())
        .as("b's two and position, the replay of 'two', and for 'nope' the reset and a position")
        .isEqualTo(3 + 1 + 2);
    assertThat(stats.replayHits()).isEqualTo(1);
    assertThat(stats.replayMisses()).isEqualTo(1);
    assertThat(stats.framesDropped()).isZero();
  }

  @Test
  void eventLargerThanTheLimitIsRejectedBeforeAnyClientSeesIt() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .channel(ChannelConfig.builder().maxEventBytes(16).build()));
    SseChannel channel = broadcaster.subscribe(null);

    assertThatThrownBy(() -> broadcaster.broadcast(Data.of("far more than sixteen bytes")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(channel.hasPending()).isFalse();
    assertThat(broadcaster.stats().eventsBroadcast()).isZero();
  }

  /** Ids 1, 2, 3, ... and a history of this many events, as long as a client's queue. */
  private static BroadcasterConfig.Builder numbered(int history) {
    return BroadcasterConfig.builder().assignIds(true).firstId(1).history(history).channel(queueOf(history));
  }

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  private static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }
}
