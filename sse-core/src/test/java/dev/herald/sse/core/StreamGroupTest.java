package dev.herald.sse.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.Sender;
import dev.herald.sse.core.testing.FakeTransport;
import dev.herald.sse.core.testing.FakeTransport.Await;
import dev.herald.sse.spi.SseChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StreamGroupTest {
  private final List<FakeTransport> transports = new CopyOnWriteArrayList<>();

  private FakeTransport serve(SseChannel channel, boolean paused) {
    FakeTransport transport = paused ? FakeTransport.servePaused(channel) : FakeTransport.serve(channel);
    transports.add(transport);
    return transport;
  }

  private static SseRequest get() {
    return SseRequest.of("GET", Map.of());
  }

  @Test
  void aBroadcastersShutdownCompletesOnlyOnceEveryTransportHasEndedItsStream() throws Exception {
    Broadcaster broadcaster = Broadcasters.create();
    FakeTransport reading = serve(broadcaster.subscribe(null), false);
    FakeTransport stalled = serve(broadcaster.subscribe(null), true);
    broadcaster.broadcast(Data.of("last words"));

    CompletableFuture<Void> done = broadcaster.shutdown().toCompletableFuture();

    reading.awaitEnded();
    assertThat(reading.data()).containsExactly("last words");
    assertThat(done).as("a stream still writing its end holds the shutdown").isNotDone();
    stalled.resume();
    stalled.awaitEnded();
    done.get(10, TimeUnit.SECONDS);
    assertThat(stalled.data()).containsExactly("last words");
    assertThat(broadcaster.isClosed()).isTrue();
    assertThat(broadcaster.shutdown().toCompletableFuture()).as("again: the same, completed").isDone();
  }

  @Test
  void theShutdownStageIsCompletedOffTheTransportsThread() throws Exception {
    Broadcaster broadcaster = Broadcasters.create();
    FakeTransport stalled = serve(broadcaster.subscribe(null), true);
    AtomicReference<String> completedOn = new AtomicReference<>();
    CompletableFuture<Void> chained = broadcaster.shutdown()
        .thenRun(() -> completedOn.set(Thread.currentThread().getName())).toCompletableFuture();

    stalled.resume();
    chained.get(10, TimeUnit.SECONDS);

    assertThat(completedOn.get()).isNotEqualTo("fake-transport");
  }

  @Test
  void aBroadcasterWithNoClientsOrClosedBeforeShutsDownAtOnce() throws Exception {
    Broadcaster idle = Broadcasters.create();
    idle.shutdown().toCompletableFuture().get(10, TimeUnit.SECONDS);

    Broadcaster closed = Broadcasters.create();
    FakeTransport transport = serve(closed.subscribe(null), false);
    closed.close();
    transport.awaitEnded();
    closed.shutdown().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aClientThatLeftCountsAsEnded() throws Exception {
    Broadcaster broadcaster = Broadcasters.create();
    SseChannel channel = broadcaster.subscribe(null);
    channel.start(() -> {}); // a transport that never drains: only its connection's end will be reported

    CompletableFuture<Void> done = broadcaster.shutdown().toCompletableFuture();
    assertThat(done).isNotDone();
    channel.close(CloseReason.CLIENT_GONE);

    done.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aGroupEndsItsSingleClientStreamsAndItsBroadcastersWithOneCall() throws Exception {
    StreamGroup group = StreamGroup.create();
    Broadcaster broadcaster = Broadcasters.create();
    assertThat(group.include(broadcaster)).isSameAs(group);
    StreamConfig config = StreamConfig.builder().group(group).heartbeat(Duration.ZERO).build();
    List<Sender> senders = new CopyOnWriteArrayList<>();
    Handshake handshake = Handshake.of(config, senders::add);

    Handshake.Open open = (Handshake.Open) handshake.answer(get());
    FakeTransport single = serve(open.channel(), true);
    open.opened();
    senders.get(0).trySend(Data.of("for one"));
    FakeTransport subscriber = serve(broadcaster.subscribe(null), false);
    assertThat(group.size()).isOne();

    CompletableFuture<Void> done = group.shutdown().toCompletableFuture();

    assertThat(group.isShutdown()).isTrue();
    assertThat(broadcaster.isClosed()).isTrue();
    assertThat(senders.get(0).isOpen()).isFalse();
    subscriber.awaitEnded();
    assertThat(done).as("the single-client stream has not written its end yet").isNotDone();
    single.resume();
    single.awaitEnded();
    done.get(10, TimeUnit.SECONDS);
    assertThat(single.data()).containsExactly("for one");
    assertThat(group.size()).isZero();
  }

  @Test
  void aGroupThatIsShutDownRefusesNewStreamsAndShutsDownWhatItIsGivenLater() throws Exception {
    StreamGroup group = StreamGroup.create();
    group.shutdown().toCompletableFuture().get(10, TimeUnit.SECONDS);
    Handshake handshake = Handshake.of(StreamConfig.builder().group(group).build(), sender -> {});

    Handshake.Answer answer = handshake.answer(get());

    assertThat(answer).isInstanceOf(Handshake.Refusal.class);
    assertThat(answer.status()).isEqualTo(503);
    assertThat(((Handshake.Refusal) answer).reason()).isEqualTo("the event stream has ended");
    Broadcaster late = Broadcasters.create();
    group.include(late);
    assertThat(late.isClosed()).isTrue();
  }

  @Test
  void streamsLeaveTheGroupAsTheyEnd() {
    StreamGroup group = StreamGroup.create();
    Handshake handshake = Handshake.of(StreamConfig.builder().group(group).build(), Sender::close);

    Handshake.Open open = (Handshake.Open) handshake.answer(get());
    FakeTransport transport = serve(open.channel(), false);
    assertThat(group.size()).isOne();
    open.opened(); // the application ends the stream at once

    transport.awaitEnded();
    Await.until(() -> group.size() == 0, () -> "the ended stream is still in " + group);
  }

  @Test
  void shutdownAndAwaitSaysWhetherEveryStreamEndedInTime() {
    StreamGroup ends = StreamGroup.create().include(Broadcasters.create());
    assertThat(ends.shutdownAndAwait(Duration.ofSeconds(10))).isTrue();

    Broadcaster broadcaster = Broadcasters.create();
    FakeTransport stalled = serve(broadcaster.subscribe(null), true);
    StreamGroup stuck = StreamGroup.create().include(broadcaster);
    assertThat(stuck.shutdownAndAwait(Duration.ofMillis(50))).isFalse();
    stalled.resume();
    assertThat(stuck.shutdownAndAwait(Duration.ofSeconds(10))).isTrue();
  }

  @AfterEach
  void stopTransports() {
    transports.forEach(FakeTransport::close);
  }
}
