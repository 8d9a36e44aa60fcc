package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.DeliveryObserver;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The delivery delay: live broadcast frames carry the time of their broadcast, and the transport's poll reports a
 * sample of them to the observer; replays, greetings and position marks are not measured, and with no observer
 * nothing is stamped.
 */
class DeliveryDelaysTest {
  private final List<Long> delays = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  private Broadcaster broadcaster(BroadcasterConfig.Builder config) {
    Broadcaster broadcaster = Broadcasters.create(config.heartbeat(Duration.ZERO).build());
    resources.add(broadcaster);
    return broadcaster;
  }

  /** A channel this test drains itself, as a transport would, by polling. */
  private SseChannel subscribe(Broadcaster broadcaster, String lastEventId) {
    SseChannel channel = broadcaster.subscribe(lastEventId);
    channel.start(() -> { });
    resources.add(() -> channel.close(CloseReason.CLIENT_GONE));
    return channel;
  }

  private static List<Frame> drain(SseChannel channel) {
    List<Frame> frames = new ArrayList<>();
    for (Frame frame = channel.poll(); frame != null; frame = channel.poll()) {
      frames.add(frame);
    }
    return frames;
  }

  @Test
  void measuresTheFirstLiveEventOfEachClientAndOneInEverySampleIntervalAfter() {
    int interval = DeliveryObserver.SAMPLE_INTERVAL;
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().deliveryObserver(delays::add)
        .greeting(Data.of("connected")));
    SseChannel a = subscribe(broadcaster, null);
    SseChannel b = subscribe(broadcaster, null);
    for (int i = 0; i < 2 * interval + 1; i++) {
      broadcaster.broadcast(Data.of("event " + i));
    }

    assertThat(drain(a)).hasSize(2 * interval + 2); // the greeting and the events
    assertThat(delays).as("events 0, interval and 2 × interval of a").hasSize(3);
    assertThat(drain(b)).hasSize(2 * interval + 2);
    assertThat(delays).as("and of b").hasSize(6).allMatch(delay -> delay >= 0);
  }

  @Test
  void theDelayRunsFromTheBroadcastToThePoll() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().deliveryObserver(delays::add));
    SseChannel channel = subscribe(broadcaster, null);
    long before = System.nanoTime();
    broadcaster.broadcast(Data.of("waits"));
    long broadcast = System.nanoTime();
    long late = TimeUnit.MILLISECONDS.toNanos(20);
    awaitNanosSince(broadcast, late); // the client's transport takes the event at least this late
    assertThat(drain(channel)).hasSize(1);
    long after = System.nanoTime();

    assertThat(delays).singleElement().satisfies(delay -> assertThat(delay).isBetween(late, after - before));
  }

  @Test
  void aReplayIsNotMeasuredOnlyWhatIsBroadcastAfterTheClientCame() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().deliveryObserver(delays::add)
        .assignIds(true).firstId(1));
    for (int i = 0; i < 3; i++) {
      broadcaster.broadcast(Data.of("before " + i));
    }
    SseChannel resumed = subscribe(broadcaster, "1");
    assertThat(drain(resumed)).as("events 2 and 3, replayed").hasSize(2);
    assertThat(delays).isEmpty();

    broadcaster.broadcast(Data.of("live"));
    assertThat(drain(resumed)).hasSize(1);
    assertThat(delays).hasSize(1);
  }

  @Test
  void aSingleClientsOwnSendsAreNotMeasured() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().deliveryObserver(delays::add));
    SseChannel channel = subscribe(broadcaster, null);
    channel.sender().trySend(Data.of("just for you"));
    assertThat(drain(channel)).hasSize(1);
    assertThat(delays).isEmpty();
  }

  @Test
  void aFailingObserverDoesNotReachTheTransport() {
    List<Long> seen = new CopyOnWriteArrayList<>();
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().deliveryObserver(delay -> {
      seen.add(delay);
      throw new IllegalStateException("observer bug");
    }));
    SseChannel channel = subscribe(broadcaster, null);
    int events = DeliveryObserver.SAMPLE_INTERVAL + 1; // the first and the one a sample interval after it
    for (int i = 0; i < events; i++) {
      broadcaster.broadcast(Data.of("event " + i));
    }
    assertThat(drain(channel)).hasSize(events);
    assertThat(seen).as("called again after it failed").hasSize(2);
  }

  @Test
  void withoutAnObserverNoFrameCarriesATime() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    SseChannel channel = subscribe(broadcaster, null);
    broadcaster.broadcast(Data.of("plain"));
    assertThat(drain(channel)).singleElement()
        .satisfies(frame -> assertThat(((ByteFrame) frame).stamped()).isFalse());
  }

  /** Spins (yielding) until {@code nanos} have passed since {@code start}: a deadline, not a sleep of a guess. */
  private static void awaitNanosSince(long start, long nanos) {
    while (System.nanoTime() - start < nanos) {
      Thread.onSpinWait();
    }
  }
}
