package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.InvalidTopicException;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.TopicLimits;
import dev.herald.sse.core.testing.FakeBackplane;
import dev.herald.sse.core.testing.FakeTransport;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Topics on one stream: who hears a publish, what is refused, and what a replay holds. */
class TopicRoutingTest extends TopicTestSupport {

  @Test
  void aPublishReachesTheTopicsSubscribersOnlyAndABroadcastReachesEveryone() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    FakeTransport one = client(broadcaster, "rooms/1");
    FakeTransport two = client(broadcaster, "rooms/2");
    FakeTransport both = client(broadcaster, "rooms/1", "rooms/2");
    FakeTransport none = client(broadcaster);

    assertThat(broadcaster.publish("rooms/1", Data.of("to 1"))).isEqualTo(2);
    assertThat(broadcaster.publish("rooms/2", Data.of("to 2"))).isEqualTo(2);
    assertThat(broadcaster.publish("rooms/3", Data.of("to nobody"))).isZero();
    assertThat(broadcaster.broadcast(Data.of("to all"))).isEqualTo(4);

    assertThat(until(broadcaster, one)).containsExactly("to 1", "to all");
    assertThat(until(broadcaster, two)).containsExactly("to 2", "to all");
    assertThat(until(broadcaster, both)).containsExactly("to 1", "to 2", "to all");
    assertThat(until(broadcaster, none)).containsExactly("to all");
  }

  @Test
  void aPublishToSeveralTopicsReachesAClientOfMoreThanOneOfThemOnce() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().assignIds(true).firstId(1));
    FakeTransport one = client(broadcaster, "rooms/1");
    FakeTransport both = client(broadcaster, "rooms/1", "rooms/2", "rooms/*", "**");
    FakeTransport other = client(broadcaster, "rooms/3");

    assertThat(broadcaster.publish(List.of("rooms/1", "rooms/2", "rooms/1"), Data.of("to 1 and 2"))).isEqualTo(2);

    assertThat(until(broadcaster, both)).containsExactly("to 1 and 2");
    assertThat(until(broadcaster, one)).containsExactly("to 1 and 2");
    assertThat(until(broadcaster, other)).isEmpty();
    assertThat(both.events()).extracting(MessageEvent::lastEventId).startsWith("1"); // one event, one id
  }

  @Test
  void patternsMatchOneSegmentOrTheRest() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    FakeTransport oneSegment = client(broadcaster, "rooms/*");
    FakeTransport rest = client(broadcaster, "rooms/**");
    FakeTransport typing = client(broadcaster, "rooms/*/typing");
    FakeTransport all = client(broadcaster, "**");

    broadcaster.publish("rooms/7", Data.of("rooms/7"));
    broadcaster.publish("rooms/7/typing", Data.of("rooms/7/typing"));
    broadcaster.publish("rooms", Data.of("rooms"));
    broadcaster.publish("lobby", Data.of("lobby"));

    assertThat(until(broadcaster, oneSegment)).containsExactly("rooms/7");
    assertThat(until(broadcaster, rest)).containsExactly("rooms/7", "rooms/7/typing");
    assertThat(until(broadcaster, typing)).containsExactly("rooms/7/typing");
    assertThat(until(broadcaster, all)).containsExactly("rooms/7", "rooms/7/typing", "rooms", "lobby");
  }

  @Test
  void aClientThatLeavesIsNoLongerIndexed() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    SseChannel leaving = broadcaster.subscribe(null, List.of("rooms/1", "rooms/*"));
    SseChannel staying = broadcaster.subscribe(null, List.of("rooms/1"));
    FakeTransport stayingClient = serve(staying);

    leaving.close(CloseReason.CLIENT_GONE);
    assertThat(broadcaster.publish("rooms/1", Data.of("after"))).isEqualTo(1);
    assertThat(until(broadcaster, stayingClient)).containsExactly("after");

    staying.close(CloseReason.CLIENT_GONE);
    assertThat(broadcaster.clientCount()).isZero();
    assertThat(broadcaster.publish("rooms/1", Data.of("to nobody"))).isZero();
    assertThat(((DefaultBroadcaster) broadcaster).topicsAreEmpty()).isTrue(); // nothing held for unused topics
  }

  @Test
  void statsCountTheTopicsAndPatternsInUseOnceEach() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    assertThat(broadcaster.stats().topics()).isZero();
    SseChannel first = broadcaster.register(dev.herald.sse.Subscription.of(null, List.of("rooms/1", "rooms/*"))
        .withIdentity("bob", 0));
    SseChannel second = broadcaster.subscribe(null, List.of("rooms/1", "rooms/2"));
    broadcaster.subscribe(null); // broadcasts only: no topic

    assertThat(broadcaster.stats().topics()).as("rooms/1, rooms/* and rooms/2; bob is an identity").isEqualTo(3);
    broadcaster.join(second.sender(), List.of("lobby"));
    assertThat(broadcaster.stats().topics()).isEqualTo(4);
    broadcaster.leave(second.sender(), List.of("rooms/1"));
    assertThat(broadcaster.stats().topics()).as("rooms/1 still has the first client").isEqualTo(4);
    first.close(CloseReason.CLIENT_GONE);
    assertThat(broadcaster.stats().topics()).as("rooms/2 and lobby").isEqualTo(2);
    second.close(CloseReason.CLIENT_GONE);
    assertThat(broadcaster.stats().topics()).isZero();
  }

  @Test
  void aSubscriptionOverALimitOrMalformedIsRefusedWholeWithTheReason() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().topicLimits(new TopicLimits(3, 1, 10)));

    assertThatThrownBy(() -> broadcaster.subscribe(null, List.of("a", "b", "c", "d")))
        .isInstanceOf(InvalidTopicException.class).hasMessage("too many topics: a client may have at most 3");
    assertThatThrownBy(() -> broadcaster.subscribe(null, List.of("a/*", "b/**")))
        .isInstanceOf(InvalidTopicException.class)
        .hasMessage("too many topic patterns: a client may have at most 1");
    assertThatThrownBy(() -> broadcaster.subscribe(null, List.of("a", "b".repeat(11))))
        .isInstanceOf(InvalidTopicException.class)
        .hasMessage("a topic may have at most 10 characters; this one has 11");
    assertThatThrownBy(() -> broadcaster.subscribe(null, List.of("a", "b//c")))
        .isInstanceOf(InvalidTopicException.class).hasMessageContaining("empty segment");

    assertThat(broadcaster.stats().clientsConnected()).isZero();
    assertThat(((DefaultBroadcaster) broadcaster).topicsAreEmpty()).isTrue();
    // Duplicates count once: three distinct topics are within the limit.
    FakeTransport client = client(broadcaster, "a", "a", "b", "c/*", "c/*");
    broadcaster.publish("c/1", Data.of("c/1"));
    assertThat(until(broadcaster, client)).containsExactly("c/1");
  }

  @Test
  void aPublishNamesTopicsNotPatterns() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().topicLimits(new TopicLimits(3, 1, 10)));

    assertThatThrownBy(() -> broadcaster.publish("rooms/*", Data.of("x")))
        .isInstanceOf(InvalidTopicException.class).hasMessageContaining("no wildcard");
    assertThatThrownBy(() -> broadcaster.publish(List.of(), Data.of("x")))
        .isInstanceOf(InvalidTopicException.class).hasMessage("a publish needs at least one topic");
    assertThatThrownBy(() -> broadcaster.publish("x".repeat(11), Data.of("x")))
        .isInstanceOf(InvalidTopicException.class).hasMessageContaining("at most 10 characters");
    assertThat(broadcaster.stats().eventsBroadcast()).isZero();
  }

  @Test
  void aReplayHoldsTheBroadcastsAndTheEventsOfTheClientsTopicsOnly() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().assignIds(true).firstId(1).history(100).channel(queueOf(100)));
    broadcaster.broadcast(Data.of("b1")); // id 1
    broadcaster.publish("rooms/1", Data.of("r1 a")); // 2
    broadcaster.publish("rooms/2", Data.of("r2 a")); // 3
    broadcaster.publish("rooms/1/typing", Data.of("r1 typing")); // 4
    broadcaster.broadcast(Data.of("b2")); // 5
    broadcaster.publish(List.of("rooms/2", "rooms/1"), Data.of("both")); // 6

    FakeTransport fromTwo = serve(broadcaster.subscribe("2", List.of("rooms/1")));
    FakeTransport patternFromStart = serve(broadcaster.subscribe("0", List.of("rooms/*")));

    assertThat(until(broadcaster, fromTwo)).containsExactly("b2", "both");
    assertThat(fromTwo.events()).extracting(MessageEvent::lastEventId).startsWith("5", "6");
    assertThat(until(broadcaster, patternFromStart)).containsExactly("b1", "r1 a", "r2 a", "b2", "both");
    assertThat(broadcaster.stats().replayHits()).isEqualTo(2);
  }

  @Test
  void aPublishToATopicWithNoSubscriberEntersTheHistory() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().assignIds(true).firstId(1).history(10).channel(queueOf(10)));
    SseChannel early = broadcaster.subscribe(null, List.of("quiet"));
    broadcaster.publish("busy", Data.of("busy"));
    early.close(CloseReason.CLIENT_GONE);
    broadcaster.publish("quiet", Data.of("missed while away")); // no subscriber now

    FakeTransport back = serve(broadcaster.subscribe("1", List.of("quiet")));
    assertThat(until(broadcaster, back)).containsExactly("missed while away");
  }

  @Test
  void aClusteredBroadcasterRefusesAPublishToATopic() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .backplane(new FakeBackplane(new FakeBackplane.Log())).history(10));

    assertThatThrownBy(() -> broadcaster.publish("rooms/1", Data.of("x")))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("clustered");
  }

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  private static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }
}
