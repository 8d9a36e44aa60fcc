package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.InvalidTopicException;
import dev.herald.sse.Sender;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Channels;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.core.TopicLimits;
import dev.herald.sse.core.testing.FakeTransport;
import dev.herald.sse.spi.SseChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Joining and leaving topics on an open stream, from server code. */
class TopicJoinTest extends TopicTestSupport {

  @Test
  void aJoinedTopicStartsAtTheJoinAndALeftOneEndsAtTheLeave() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().assignIds(true).firstId(1).history(10).channel(queueOf(10)));
    SseChannel channel = broadcaster.subscribe(null, List.of("a"));
    FakeTransport client = serve(channel);

    broadcaster.publish("a", Data.of("a1"));
    broadcaster.publish("b", Data.of("b1"));
    assertThat(broadcaster.join(channel.sender(), List.of("b", "a"))).isTrue();
    broadcaster.publish("a", Data.of("a2"));
    broadcaster.publish("b", Data.of("b2"));
    assertThat(broadcaster.leave(channel.sender(), List.of("a", "never had"))).isTrue();
    broadcaster.publish("a", Data.of("a3"));
    broadcaster.publish("b", Data.of("b3"));

    assertThat(until(broadcaster, client)).containsExactly("a1", "a2", "b2", "b3");
    assertThat(broadcaster.topics(channel.sender())).containsExactly("b");
  }

  @Test
  void joiningATopicAPatternAlreadyMatchesStillDeliversEachEventOnce() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    SseChannel channel = broadcaster.subscribe(null, List.of("rooms/*"));
    FakeTransport client = serve(channel);

    broadcaster.join(channel.sender(), List.of("rooms/1"));
    broadcaster.publish("rooms/1", Data.of("once"));
    broadcaster.leave(channel.sender(), List.of("rooms/1"));
    broadcaster.publish("rooms/1", Data.of("still, through the pattern"));

    assertThat(until(broadcaster, client)).containsExactly("once", "still, through the pattern");
  }

  @Test
  void topicsHeldAcrossJoinsAndLeavesLoseAndRepeatNothingWhilePublishesRace() throws Exception {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .channel(dev.herald.sse.core.ChannelConfig.builder().maxQueuedEvents(100_000).build()));
    SseChannel channel = broadcaster.subscribe(null, List.of("held"));
    FakeTransport client = serve(channel);
    int count = 5_000;

    CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
      for (int i = 0; i < count; i++) {
        broadcaster.publish(List.of("held", "joined"), Data.of("both " + i));
        broadcaster.publish("joined", Data.of("joined only " + i));
        broadcaster.publish("held", Data.of("held " + i));
      }
    });
    int changes = 0;
    while (!publisher.isDone()) {
      broadcaster.join(channel.sender(), List.of("joined", "rooms/*"));
      broadcaster.leave(channel.sender(), List.of("joined", "rooms/*"));
      changes++;
    }
    publisher.get(30, TimeUnit.SECONDS);

    List<String> got = until(broadcaster, client);
    List<String> expected = IntStream.range(0, count)
        .mapToObj(i -> List.of("both " + i, "held " + i)).flatMap(List::stream).toList();
    assertThat(got.stream().filter(d -> !d.startsWith("joined only")).toList())
        .as("the held topic's events, across %d joins and leaves", changes).isEqualTo(expected);
    assertThat(got).doesNotHaveDuplicates();
  }

  @Test
  void aJoinOverALimitChangesNothing() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().topicLimits(new TopicLimits(3, 1, 20)));
    SseChannel channel = broadcaster.subscribe(null, List.of("a", "b/*"));

    assertThatThrownBy(() -> broadcaster.join(channel.sender(), List.of("c", "d")))
        .isInstanceOf(InvalidTopicException.class).hasMessage("too many topics: a client may have at most 3");
    assertThatThrownBy(() -> broadcaster.join(channel.sender(), List.of("c/**")))
        .isInstanceOf(InvalidTopicException.class)
        .hasMessage("too many topic patterns: a client may have at most 1");
    assertThatThrownBy(() -> broadcaster.join(channel.sender(), List.of("c//d")))
        .isInstanceOf(InvalidTopicException.class);

    assertThat(broadcaster.topics(channel.sender())).containsExactly("a", "b/*");
    assertThat(broadcaster.publish("c", Data.of("x"))).isZero();
    assertThat(broadcaster.join(channel.sender(), List.of("c", "a"))).isTrue();
    assertThat(broadcaster.topics(channel.sender())).containsExactly("a", "b/*", "c");
  }

  @Test
  void anEndedStreamIsNotChangedAndAStrangersSenderIsRefused() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    Broadcaster other = broadcaster(BroadcasterConfig.builder());
    SseChannel ended = broadcaster.subscribe(null, List.of("a"));
    ended.close(CloseReason.CLIENT_GONE);
    SseChannel stranger = other.subscribe(null);
    SseChannel single = Channels.open(StreamConfig.defaults().channel(), Duration.ZERO, "ping", null);
    resources.add(() -> single.close(CloseReason.SERVER_CLOSED));

    assertThat(broadcaster.join(ended.sender(), List.of("b"))).isFalse();
    assertThat(broadcaster.leave(ended.sender(), List.of("a"))).isFalse();
    assertThat(broadcaster.topics(ended.sender())).isEmpty();
    assertThat(((DefaultBroadcaster) broadcaster).topicsAreEmpty()).isTrue();
    assertThatThrownBy(() -> broadcaster.join(stranger.sender(), List.of("b")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a client of this broadcaster");
    assertThatThrownBy(() -> broadcaster.topics(single.sender()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a client of this broadcaster");
  }

  @Test
  void onSubscribeHandsTheApplicationEachClientsSenderToJoinItToTopics() {
    List<Sender> subscribed = new CopyOnWriteArrayList<>();
    Broadcaster[] self = new Broadcaster[1];
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().onSubscribe(sender -> {
      subscribed.add(sender);
      self[0].join(sender, List.of("lobby"));
      throw new IllegalStateException("a listener that fails leaves the client subscribed");
    }));
    self[0] = broadcaster;

    FakeTransport client = serve(broadcaster.subscribe(null));
    broadcaster.publish("lobby", Data.of("welcome"));

    assertThat(subscribed).hasSize(1);
    assertThat(until(broadcaster, client)).containsExactly("welcome");
    assertThat(broadcaster.clientCount()).isEqualTo(1);
  }

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  private static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }
}
