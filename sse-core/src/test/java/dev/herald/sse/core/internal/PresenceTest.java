package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.InvalidTopicException;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.PresenceListener;
import dev.herald.sse.spi.SseChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Presence: how many a topic has, and its first join and last leave. */
class PresenceTest extends TopicTestSupport {
  private final List<String> told = new CopyOnWriteArrayList<>();
  private final PresenceListener recording = new PresenceListener() {
    @Override
    public void firstJoined(String topic) {
      told.add("+" + topic);
    }

    @Override
    public void lastLeft(String topic) {
      told.add("-" + topic);
    }
  };

  @Test
  void aTopicsFirstJoinAndLastLeaveAreToldOnceEachWhateverWayClientsComeAndGo() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().onPresence(recording));
    SseChannel one = broadcaster.subscribe(null, List.of("rooms/1", "rooms/*"));
    SseChannel two = broadcaster.subscribe(null, List.of("rooms/1"));
    broadcaster.join(two.sender(), List.of("rooms/2"));
    broadcaster.leave(two.sender(), List.of("rooms/1"));
    one.close(CloseReason.CLIENT_GONE);
    two.close(CloseReason.CLIENT_GONE);

    assertThat(told).containsExactly("+rooms/1", "+rooms/*", "+rooms/2", "-rooms/1", "-rooms/*", "-rooms/2");
  }

  @Test
  void theSubscriberCountIsWhatAPublishWouldReachPatternsIncluded() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    broadcaster.subscribe(null, List.of("rooms/1"));
    broadcaster.subscribe(null, List.of("rooms/1", "rooms/*"));
    broadcaster.subscribe(null, List.of("rooms/**"));
    broadcaster.subscribe(null);

    assertThat(broadcaster.subscriberCount("rooms/1")).isEqualTo(3);
    assertThat(broadcaster.subscriberCount("rooms/2")).isEqualTo(2);
    assertThat(broadcaster.subscriberCount("rooms/2/typing")).isEqualTo(1);
    assertThat(broadcaster.subscriberCount("lobby")).isZero();
    assertThatThrownBy(() -> broadcaster.subscriberCount("rooms/*")).isInstanceOf(InvalidTopicException.class);
  }

  @Test
  void aListenerThatThrowsIsLoggedAndTheClientsStay() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().onPresence(new PresenceListener() {
      @Override
      public void firstJoined(String topic) {
        throw new IllegalStateException("boom");
      }
    }));
    SseChannel channel = broadcaster.subscribe(null, List.of("a"));

    assertThat(channel.isClosed()).isFalse();
    assertThat(broadcaster.subscriberCount("a")).isEqualTo(1);
  }

  @Test
  void clientsComingAndGoingOnManyThreadsAlternateJoinedAndLeftForEachTopic() throws Exception {
    Map<String, AtomicInteger> present = new ConcurrentHashMap<>();
    List<String> broken = new CopyOnWriteArrayList<>();
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().onPresence(new PresenceListener() {
      @Override
      public void firstJoined(String topic) {
        if (present.computeIfAbsent(topic, t -> new AtomicInteger()).incrementAndGet() != 1) {
          broken.add("joined twice: " + topic);
        }
      }

      @Override
      public void lastLeft(String topic) {
        if (present.get(topic).decrementAndGet() != 0) {
          broken.add("left twice: " + topic);
        }
      }
    }));
    int threads = 4;
    CountDownLatch done = new CountDownLatch(threads);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        for (int i = 0; i < 2_000; i++) {
          broadcaster.subscribe(null, List.of("shared", "rooms/" + (i % 3))).close(CloseReason.CLIENT_GONE);
        }
        done.countDown();
      });
      thread.start();
      started.add(thread);
    }

    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(broken).isEmpty();
    assertThat(present).allSatisfy((topic, count) -> assertThat(count.get()).as(topic).isZero());
    assertThat(present).containsOnlyKeys("shared", "rooms/0", "rooms/1", "rooms/2");
    assertThat(started).hasSize(threads);
  }
}
