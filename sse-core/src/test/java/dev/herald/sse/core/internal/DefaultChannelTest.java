package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.herald.sse.ClientGoneException;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.Sender;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.Channels;
import dev.herald.sse.core.EventEncoder;
import dev.herald.sse.core.testing.FakeTransport;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.spi.Frame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The channel's queue, from memory; heartbeats off, since they are tested in {@link HeartbeatTest}. */
class DefaultChannelTest {

  private static SseChannel open(int maxEvents) {
    return Channels.open(ChannelConfig.builder().maxQueuedEvents(maxEvents).build(), Duration.ZERO, null);
  }

  private static String text(Frame frame) {
    byte[] bytes = new byte[frame.length()];
    frame.buffer().get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void queueRefusesEventsBeyondItsEventBound() {
    Sender sender = open(3).sender();

    assertThat(sender.trySend(Data.of("1"))).isTrue();
    assertThat(sender.trySend(Data.of("2"))).isTrue();
    assertThat(sender.trySend(Data.of("3"))).isTrue();
    assertThat(sender.trySend(Data.of("4"))).isFalse();
  }

  @Test
  void queueRefusesEventsBeyondItsByteBound() {
    // "data: 12345678\n\n" is 16 bytes: two fit in 40, a third does not; "data:\n\n" (7 bytes) still does.
    SseChannel channel = Channels.open(ChannelConfig.builder().maxQueuedBytes(40).build(), Duration.ZERO, null);

    assertThat(channel.sender().trySend(Data.of("12345678"))).isTrue();
    assertThat(channel.sender().trySend(Data.of("12345678"))).isTrue();
    assertThat(channel.sender().trySend(Data.of("12345678"))).isFalse();
    assertThat(channel.sender().trySend(Data.of(""))).isTrue();
  }

  @Test
  void takingFramesMakesRoomAgain() {
    SseChannel channel = open(1);
    channel.start(() -> {});

    assertThat(channel.sender().trySend(Data.of("a"))).isTrue();
    assertThat(channel.sender().trySend(Data.of("b"))).isFalse();
    assertThat(text(channel.poll())).isEqualTo("data: a\n\n");
    assertThat(channel.sender().trySend(Data.of("b"))).isTrue();
  }

  @Test
  void eventLargerThanTheEventLimitIsRejected() {
    Sender sender = Channels.open(ChannelConfig.builder().maxEventBytes(10).build(), Duration.ZERO, null).sender();

    assertThatThrownBy(() -> sender.trySend(Data.of("more than ten bytes")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxEventBytes");
    assertThatThrownBy(() -> sender.send(Data.of("more than ten bytes")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void eventLimitMayNotExceedTheQueue() {
    assertThatThrownBy(() -> ChannelConfig.builder().maxQueuedBytes(10).maxEventBytes(11).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxEventBytes");
  }

  @Test
  void framesComeOutInTheOrderTheyWentIn() {
    SseChannel channel = open(10);
    channel.start(() -> {});
    for (int i = 0; i < 5; i++) {
      channel.sender().trySend(Data.of("e" + i));
    }

    List<String> out = new ArrayList<>();
    Frame frame;
    while ((frame = channel.poll()) != null) {
      out.add(text(frame));
    }

    assertThat(out).containsExactly("data: e0\n\n", "data: e1\n\n", "data: e2\n\n", "data: e3\n\n", "data: e4\n\n");
  }

  @Test
  void consumerIsWokenOnlyWhenTheQueueTurnsNonEmptyWhileIdle() {
    SseChannel channel = open(100);
    AtomicInteger wakeups = new AtomicInteger();
    channel.start(wakeups::incrementAndGet);

    channel.sender().trySend(Data.of("before the first drain"));
    assertThat(wakeups).as("the transport drains once after start; no wake needed").hasValue(0);

    assertThat(channel.poll()).isNotNull();
    assertThat(channel.poll()).as("idle now").isNull();
    for (int i = 0; i < 10; i++) {
      channel.sender().trySend(Data.of("burst " + i));
    }
    assertThat(wakeups).as("one wake for a burst of ten").hasValue(1);

    while (channel.poll() != null) {
      // drain the burst
    }
    channel.sender().trySend(Data.of("next"));
    assertThat(wakeups).hasValue(2);
  }

  @Test
  void hasPendingLooksWithoutTaking() {
    SseChannel channel = open(10);
    channel.start(() -> {});
    assertThat(channel.hasPending()).isFalse();

    channel.sender().trySend(Data.of("x"));

    assertThat(channel.hasPending()).isTrue();
    assertThat(channel.poll()).isNotNull();
    assertThat(channel.hasPending()).isFalse();
  }

  @Test
  void startingTwiceFails() {
    SseChannel channel = open(1);
    channel.start(() -> {});

    assertThatThrownBy(() -> channel.start(() -> {})).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void sendCompletesOnlyWhenTheReaderMakesRoom() {
    SseChannel channel = open(2);
    channel.start(() -> {});

    CompletionStage<Void> first = channel.sender().send(Data.of("first"));
    CompletionStage<Void> second = channel.sender().send(Data.of("second"));
    CompletionStage<Void> third = channel.sender().send(Data.of("third"));
    CompletionStage<Void> fourth = channel.sender().send(Data.of("fourth"));

    assertThat(first.toCompletableFuture()).isDone();
    assertThat(second.toCompletableFuture()).isDone();
    assertThat(third.toCompletableFuture()).isNotDone();
    assertThat(text(channel.poll())).isEqualTo("data: first\n\n");
    assertThat(third.toCompletableFuture()).isDone();
    assertThat(fourth.toCompletableFuture()).isNotDone();
    assertThat(text(channel.poll())).isEqualTo("data: second\n\n");
    assertThat(fourth.toCompletableFuture()).isDone();
    assertThat(text(channel.poll())).isEqualTo("data: third\n\n");
    assertThat(text(channel.poll())).isEqualTo("data: fourth\n\n");
  }

  @Test
  void trySendDoesNotJumpAheadOfWaitingSends() {
    SseChannel channel = open(1);
    channel.start(() -> {});
    channel.sender().send(Data.of("queued"));
    channel.sender().send(Data.of("waiting"));

    assertThat(channel.sender().trySend(Data.of("impatient"))).isFalse();
    assertThat(text(channel.poll())).isEqualTo("data: queued\n\n");
    assertThat(text(channel.poll())).isEqualTo("data: waiting\n\n");
  }

  @Test
  void waitingSendsAreBoundedByTheQueueSize() {
    SseChannel channel = open(2);
    Sender sender = channel.sender();
    sender.send(Data.of("q1"));
    sender.send(Data.of("q2"));
    sender.send(Data.of("w1"));
    sender.send(Data.of("w2"));

    CompletableFuture<Void> tooMany = sender.send(Data.of("w3")).toCompletableFuture();

    assertThat(tooMany).isCompletedExceptionally();
    assertThatThrownBy(tooMany::get).hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("await each send");
  }

  @Test
  void waitingSendsFailWithClientGoneWhenTheStreamEnds() {
    SseChannel channel = open(1);
    channel.sender().send(Data.of("queued"));
    CompletableFuture<Void> waiting = channel.sender().send(Data.of("waiting")).toCompletableFuture();

    channel.close(CloseReason.CLIENT_GONE);

    assertThat(waiting).isCompletedExceptionally();
    assertThatThrownBy(waiting::get).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(ClientGoneException.class)
        .extracting(e -> ((ClientGoneException) e).reason()).isEqualTo(CloseReason.CLIENT_GONE);
  }

  @Test
  void sendAfterCloseFailsAndTrySendRefuses() {
    SseChannel channel = open(10);
    channel.sender().close();

    assertThat(channel.sender().isOpen()).isFalse();
    assertThat(channel.sender().trySend(Data.of("late"))).isFalse();
    assertThatThrownBy(() -> channel.sender().send(Data.of("late")).toCompletableFuture().get())
        .cause().isInstanceOf(ClientGoneException.class);
  }

  @Test
  void serverCloseKeepsWhatIsQueuedForTheTransportToWrite() {
    SseChannel channel = open(10);
    channel.start(() -> {});
    channel.sender().trySend(Data.of("last words"));

    channel.sender().close();

    assertThat(channel.isClosed()).isTrue();
    assertThat(channel.closeReason()).isEqualTo(CloseReason.SERVER_CLOSED);
    assertThat(channel.hasPending()).isTrue();
    assertThat(text(channel.poll())).isEqualTo("data: last words\n\n");
    assertThat(channel.poll()).isNull();
  }

  @Test
  void anyOtherCloseDiscardsWhatIsQueued() {
    for (CloseReason reason : List.of(CloseReason.CLIENT_GONE, CloseReason.SLOW_CONSUMER, CloseReason.ERROR)) {
      SseChannel channel = open(10);
      channel.start(() -> {});
      channel.sender().trySend(Data.of("never written"));

      channel.close(reason);

      assertThat(channel.hasPending()).as(reason.name()).isFalse();
      assertThat(channel.poll()).as(reason.name()).isNull();
    }
  }

  @Test
  void closeListenersRunOnceWithTheFirstReason() {
    SseChannel channel = open(1);
    List<CloseReason> seen = new ArrayList<>();
    channel.sender().onClose(seen::add);
    channel.sender().onClose(seen::add);

    channel.close(CloseReason.CLIENT_GONE);
    channel.close(CloseReason.ERROR);
    channel.sender().close();

    assertThat(seen).containsExactly(CloseReason.CLIENT_GONE, CloseReason.CLIENT_GONE);
    assertThat(channel.closeReason()).isEqualTo(CloseReason.CLIENT_GONE);
  }

  @Test
  void listenerAddedAfterCloseRunsAtOnce() {
    SseChannel channel = open(1);
    channel.close(CloseReason.ERROR);
    List<CloseReason> seen = new ArrayList<>();

    channel.sender().onClose(seen::add);

    assertThat(seen).containsExactly(CloseReason.ERROR);
  }

  @Test
  void failingListenerDoesNotStopTheOthers() {
    SseChannel channel = open(1);
    List<CloseReason> seen = new ArrayList<>();
    channel.sender().onClose(reason -> {
      throw new IllegalStateException("listener bug");
    });
    channel.sender().onClose(seen::add);

    channel.close(CloseReason.CLIENT_GONE);

    assertThat(seen).containsExactly(CloseReason.CLIENT_GONE);
  }

  @Test
  void everyCloseListenerRunsOnceInTheOrderAdded() {
    SseChannel channel = open(1);
    List<String> seen = new ArrayList<>();
    channel.sender().onClose(reason -> seen.add("first " + reason));
    channel.sender().onClose(reason -> seen.add("second " + reason));
    channel.sender().onClose(reason -> seen.add("third " + reason));

    channel.close(CloseReason.CLIENT_GONE);
    channel.close(CloseReason.ERROR);

    assertThat(seen).containsExactly("first CLIENT_GONE", "second CLIENT_GONE", "third CLIENT_GONE");
  }

  @RepeatedTest(20)
  void listenersAddedWhileTheChannelClosesRunExactlyOnce() throws Exception {
    SseChannel channel = open(1);
    int listeners = 200;
    AtomicInteger[] runs = new AtomicInteger[listeners];
    CompletableFuture<Void> adding = CompletableFuture.runAsync(() -> {
      for (int i = 0; i < listeners; i++) {
        AtomicInteger count = new AtomicInteger();
        runs[i] = count;
        channel.sender().onClose(reason -> count.incrementAndGet());
      }
    });
    channel.close(CloseReason.CLIENT_GONE);
    adding.get(10, TimeUnit.SECONDS);

    for (AtomicInteger count : runs) {
      assertThat(count).hasValue(1);
    }
  }

  @Test
  void closeWakesTheTransportEvenWhenItIsNotIdle() {
    SseChannel channel = open(10);
    AtomicInteger wakeups = new AtomicInteger();
    channel.start(wakeups::incrementAndGet);

    channel.sender().close();

    assertThat(wakeups).hasValue(1);
  }

  @Test
  void transportThatCannotBeWokenClosesTheClient() {
    SseChannel channel = open(10);
    channel.start(() -> {
      throw new java.util.concurrent.RejectedExecutionException("event loop shut down");
    });
    assertThat(channel.poll()).isNull();

    channel.sender().trySend(Data.of("x"));

    assertThat(channel.closeReason()).isEqualTo(CloseReason.CLIENT_GONE);
  }

  @Test
  void lastEventIdIsKept() {
    SseChannel channel = Channels.open(ChannelConfig.defaults(), Duration.ZERO, "41");

    assertThat(channel.lastEventId()).isEqualTo("41");
    assertThat(channel.sender().lastEventId()).isEqualTo("41");
  }

  @Test
  void frameIsSharedNotCopied() {
    DefaultChannel a = new DefaultChannel(ChannelConfig.defaults(), null, new Counters());
    DefaultChannel b = new DefaultChannel(ChannelConfig.defaults(), null, new Counters());
    Frame frame = EventEncoder.encode(Data.of("shared"));

    a.tryOffer(frame);
    b.tryOffer(frame);

    assertThat(a.poll()).isSameAs(frame);
    assertThat(b.poll()).isSameAs(frame);
  }

  @RepeatedTest(5)
  void manyPacedProducersOneReaderLoseNothingAndKeepEachProducersOrder() throws Exception {
    int producers = 4;
    int perProducer = 5_000;
    SseChannel channel = open(16);
    try (FakeTransport transport = FakeTransport.serve(channel)) {
      List<Thread> threads = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        int producer = p;
        threads.add(new Thread(() -> {
          for (int i = 0; i < perProducer; i++) {
            channel.sender().send(Data.of(producer + ":" + i)).toCompletableFuture().join();
          }
        }));
      }
      threads.forEach(Thread::start);
      for (Thread thread : threads) {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      }

      List<String> data = transport.awaitEvents(producers * perProducer).stream()
          .map(e -> e.data()).toList();
      int[] next = new int[producers];
      for (String d : data) {
        int producer = Integer.parseInt(d.substring(0, d.indexOf(':')));
        int i = Integer.parseInt(d.substring(d.indexOf(':') + 1));
        assertThat(i).as("producer %d's events in order", producer).isEqualTo(next[producer]);
        next[producer]++;
      }
      assertThat(next).containsOnly(perProducer);
    }
  }

  @Test
  void aSendThatWaitedForRoomWakesTheTransportOnlyOutsideTheChannelsLocks() {
    // A wake-up schedules a drain with the transport's host, which may take the host's lock; the host may hold that
    // lock while it closes the channel, which takes the channel's locks. Parked sends are moved into the queue under
    // the channel's lock, racing the reader that empties the queue and goes idle, so this runs many rounds.
    int producers = 3;
    int perProducer = 20_000;
    // Room for one event by bytes, so nearly every send waits for room; many may wait at once.
    DefaultChannel channel = (DefaultChannel) Channels.open(
        ChannelConfig.builder().maxQueuedEvents(16).maxQueuedBytes(16).build(), Duration.ZERO, null);
    AtomicInteger underLock = new AtomicInteger();
    Semaphore woken = new Semaphore(0);
    channel.start(() -> {
      if (channel.lockHeldByCurrentThread()) {
        underLock.incrementAndGet();
      }
      woken.release();
    });
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      Thread reader = new Thread(() -> {
        int read = 0;
        while (read < producers * perProducer) {
          if (channel.poll() != null) {
            read++;
          } else {
            woken.acquireUninterruptibly();
          }
        }
      }, "reader");
      reader.start();
      List<Thread> threads = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        Thread thread = new Thread(() -> {
          for (int i = 0; i < perProducer; i++) {
            channel.send(Data.of("e")).toCompletableFuture().join();
          }
        }, "producer-" + p);
        thread.start();
        threads.add(thread);
      }
      for (Thread thread : threads) {
        thread.join();
      }
      reader.join();
    });

    assertThat(underLock).as("wake-ups under the channel's lock").hasValue(0);
  }
}
