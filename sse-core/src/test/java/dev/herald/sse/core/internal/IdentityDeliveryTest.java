package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.Subscription;
import dev.herald.sse.TooManyStreamsException;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.testing.FakeBackplane;
import dev.herald.sse.core.testing.FakeTransport;
import dev.herald.sse.spi.SseChannel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sending to one identity: every stream of it, no other, with ids and replay. */
class IdentityDeliveryTest extends TopicTestSupport {

  private FakeTransport as(Broadcaster broadcaster, String identity, String... topics) {
    return serve(broadcaster.register(Subscription.of(null, List.of(topics)).withIdentity(identity, 0)));
  }

  @Test
  void aSendReachesEveryStreamOfTheIdentityAndNoOtherWhateverItsPatterns() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().assignIds(true).firstId(1).history(10).channel(queueOf(10)));
    FakeTransport bobTab1 = as(broadcaster, "bob");
    FakeTransport bobTab2 = as(broadcaster, "bob", "rooms/*");
    FakeTransport alice = as(broadcaster, "alice", "**", "*");
    FakeTransport anonymous = client(broadcaster, "**");

    assertThat(broadcaster.sendTo("bob", Data.of("for bob"))).isEqualTo(2);
    assertThat(broadcaster.sendTo("carol", Data.of("for carol, who is away"))).isZero();

    assertThat(until(broadcaster, bobTab1)).containsExactly("for bob");
    assertThat(until(broadcaster, bobTab2)).containsExactly("for bob");
    assertThat(until(broadcaster, alice)).isEmpty();
    assertThat(until(broadcaster, anonymous)).isEmpty();
  }

  @Test
  void aStreamOfTheIdentityResumesWithWhatWasSentToItAndNoOneElsesEvents() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().assignIds(true).firstId(1).history(10).channel(queueOf(10)));
    broadcaster.broadcast(Data.of("before")); // 1
    broadcaster.sendTo("bob", Data.of("to bob")); // 2
    broadcaster.sendTo("alice", Data.of("to alice")); // 3
    broadcaster.publish("rooms/1", Data.of("room")); // 4

    FakeTransport bob = serve(broadcaster.register(Subscription.of("1", List.of()).withIdentity("bob", 0)));
    FakeTransport snoop = serve(broadcaster.register(Subscription.of("1", List.of("**", "*"))));

    assertThat(until(broadcaster, bob)).containsExactly("to bob");
    assertThat(until(broadcaster, snoop)).containsExactly("room");
    assertThat(broadcaster.stats().replayMisses()).isZero();
  }

  @Test
  void anIdentityAtItsStreamLimitIsRefusedUntilOneEnds() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    Subscription bob = Subscription.of(null, List.of()).withIdentity("bob", 2);
    SseChannel first = broadcaster.register(bob);
    broadcaster.register(bob);

    assertThatThrownBy(() -> broadcaster.register(bob)).isInstanceOf(TooManyStreamsException.class)
        .hasMessage("too many streams for this user: at most 2 may be open at once");
    assertThat(broadcaster.register(Subscription.of(null, List.of()).withIdentity("alice", 2))).isNotNull();
    first.close(CloseReason.CLIENT_GONE);
    assertThat(broadcaster.register(bob).isClosed()).isFalse();
    assertThat(broadcaster.stats().clientsConnected()).isEqualTo(4);
  }

  @Test
  void anIdentityKeepsItsOwnTopicAcrossLeavingEveryOther() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    SseChannel channel = broadcaster.register(Subscription.of(null, List.of("a")).withIdentity("bob", 0));
    FakeTransport bob = serve(channel);

    broadcaster.leave(channel.sender(), List.of("a"));
    broadcaster.sendTo("bob", Data.of("still bob's"));

    assertThat(until(broadcaster, bob)).containsExactly("still bob's");
    channel.close(CloseReason.CLIENT_GONE);
    assertThat(((DefaultBroadcaster) broadcaster).topicsAreEmpty()).isTrue();
  }

  @Test
  void aSendIsCheckedAndAClusteredBroadcasterRefusesIt() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder());
    Broadcaster clustered = broadcaster(BroadcasterConfig.builder()
        .backplane(new FakeBackplane(new FakeBackplane.Log())).history(10));

    assertThatThrownBy(() -> broadcaster.sendTo("", Data.of("x"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> clustered.sendTo("bob", Data.of("x")))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  private static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }
}
