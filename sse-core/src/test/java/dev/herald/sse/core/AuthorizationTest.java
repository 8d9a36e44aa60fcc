package dev.herald.sse.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The handshake's authorization: one decision from the request, acted on before any stream byte. */
class AuthorizationTest {
  private final Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
      .heartbeat(Duration.ZERO).assignIds(true).firstId(1).history(10).channel(queueOf(10)).build());
  private final List<Handshake.Open> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(open -> open.channel().close(CloseReason.CLIENT_GONE));
    broadcaster.close();
  }

  /** A check of a token: "token-NAME" stands for NAME, who may watch any room, his own topic, in two tabs. */
  private static final Authorizer BY_TOKEN = request -> {
    String token = request.cookie("session");
    if (token == null) {
      return Access.unauthorized("sign in first");
    }
    return !token.startsWith("token-") ? Access.forbidden("this session may not watch events")
        : Access.grant(token.substring(6), List.of("rooms/*", "users/" + token.substring(6)))
            .withSubscribed(List.of("users/" + token.substring(6))).withMaxStreams(2);
  };

  private Handshake handshake(Authorizer authorizer) {
    return Handshake.of(broadcaster, StreamConfig.builder().authorizer(authorizer).build());
  }

  private static SseRequest request(String method, String cookie, String... topics) {
    return SseRequest.of(method, cookie == null ? Map.of() : Map.of("Cookie", List.of("theme=dark; " + cookie)),
        Map.of("topic", List.of(topics)));
  }

  private Handshake.Answer answer(Handshake handshake, SseRequest request) {
    Handshake.Answer answer = handshake.answer(request);
    if (answer instanceof Handshake.Open open) {
      open.channel().start(() -> {});
      opened.add(open);
    }
    return answer;
  }

  private void assertRefused(Handshake.Answer answer, int status, String reason) {
    assertThat(answer).isInstanceOf(Handshake.Refusal.class);
    assertThat(answer.status()).isEqualTo(status);
    assertThat(((Handshake.Refusal) answer).reason()).isEqualTo(reason);
    assertThat(answer.headers()).containsEntry("content-type", "text/plain; charset=utf-8");
  }

  @Test
  void aRefusalIsAnsweredWithItsStatusAndReasonForGetAndHeadAndSubscribesNobody() {
    Handshake handshake = handshake(BY_TOKEN);

    assertRefused(answer(handshake, request("GET", null)), 401, "sign in first");
    assertRefused(answer(handshake, request("HEAD", null)), 401, "sign in first");
    assertRefused(answer(handshake, request("GET", "session=admin-x")), 403, "this session may not watch events");
    assertThat(broadcaster.stats().clientsConnected()).isZero();
  }

  @Test
  void aRequestedTopicOutsideTheGrantIsRefusedWith403NotDropped() {
    Handshake handshake = handshake(BY_TOKEN);

    assertRefused(answer(handshake, request("GET", "session=token-bob", "rooms/1", "users/alice")), 403,
        "this stream may not have the topic users/alice");
    assertRefused(answer(handshake, request("HEAD", "session=token-bob", "rooms/**")), 403,
        "this stream may not have the topic rooms/**");
    assertRefused(answer(handshake, request("GET", "session=token-bob", "rooms//1")), 400,
        "a topic pattern must not have an empty segment (a leading, trailing or doubled '/'): \"rooms//1\"");
    assertThat(broadcaster.stats().clientsConnected()).isZero();
  }

  @Test
  void aGrantedStreamHasItsTopicsThoseGivenWithoutAskingAndItsIdentity() {
    Handshake handshake = handshake(BY_TOKEN);
    Handshake.Answer bob = answer(handshake, request("GET", "session=\"token-bob\"", "rooms/1", "rooms/*"));
    Handshake.Answer alice = answer(handshake, request("GET", "session=token-alice"));

    assertThat(bob.status()).isEqualTo(200);
    assertThat(alice.status()).isEqualTo(200);
    Handshake.Open open = (Handshake.Open) bob;
    assertThat(broadcaster.topics(open.channel().sender())).containsExactly("rooms/1", "rooms/*", "users/bob");
    assertThat(broadcaster.publish("users/bob", Data.of("to bob's topic"))).isEqualTo(1);
    assertThat(broadcaster.sendTo("bob", Data.of("to bob"))).isEqualTo(1);
    assertThat(broadcaster.sendTo("carol", Data.of("to nobody"))).isZero();
  }

  @Test
  void anIdentityOverItsStreamLimitGets429UntilOneOfItsStreamsEnds() {
    Handshake handshake = handshake(BY_TOKEN);
    Handshake.Open first = (Handshake.Open) answer(handshake, request("GET", "session=token-bob"));
    answer(handshake, request("GET", "session=token-bob"));

    assertRefused(answer(handshake, request("GET", "session=token-bob")), 429,
        "too many streams for this user: at most 2 may be open at once");
    assertThat(answer(handshake, request("GET", "session=token-alice")).status()).isEqualTo(200);
    first.channel().close(CloseReason.CLIENT_GONE);
    assertThat(answer(handshake, request("GET", "session=token-bob")).status()).isEqualTo(200);
  }

  @Test
  void a401CarriesTheChallengeTheAuthorizerNames() {
    Handshake handshake = handshake(request -> Access.unauthorized("a token is needed")
        .withChallenge("Bearer realm=\"events\""));

    Handshake.Answer answer = answer(handshake, request("GET", null));

    assertRefused(answer, 401, "a token is needed");
    assertThat(answer.headers()).containsEntry("www-authenticate", "Bearer realm=\"events\"");
  }

  @Test
  void anAuthorizerThatThrowsGets500AndNoStream() {
    Handshake handshake = handshake(request -> {
      throw new IllegalStateException("the session store is down");
    });

    assertRefused(answer(handshake, request("GET", null)), 500, "the request could not be authorized");
    assertThat(broadcaster.stats().clientsConnected()).isZero();
  }

  @Test
  void aSingleClientStreamIsRefusedAsABroadcastersWouldBe() {
    AtomicReference<dev.herald.sse.Sender> sender = new AtomicReference<>();
    Handshake single = Handshake.of(StreamConfig.builder().authorizer(BY_TOKEN).heartbeat(Duration.ZERO).build(),
        sender::set);

    assertRefused(single.answer(request("GET", null)), 401, "sign in first");
    Handshake.Open open = (Handshake.Open) single.answer(request("GET", "session=token-bob"));
    open.channel().start(() -> {});
    open.opened();
    assertThat(sender.get()).isNotNull();
    open.channel().close(CloseReason.CLIENT_GONE);
  }

  @Test
  void theRequestGivesItsCookiesPathAndAddressOrNullWhereTheHostSaysNothing() {
    SseRequest request = SseRequest.of("GET",
        Map.of("Cookie", List.of("a=1; session=\"abc\"", "b=2;c= 3 ")), Map.of());

    assertThat(request.cookie("session")).isEqualTo("abc");
    assertThat(request.cookie("c")).isEqualTo("3");
    assertThat(request.cookie("missing")).isNull();
    assertThat(request.path()).isNull();
    assertThat(request.remoteAddress()).isNull();
  }

  @Test
  void decisionsAreCheckedWhenMade() {
    assertThatThrownBy(() -> Access.forbidden("two\nlines")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Access.Refused(500, "no", null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Access.forbidden("no").withChallenge("Bearer"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Access.unauthorized("no").withChallenge("a\nb"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Access.grant("bob", List.of("rooms/7*"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Access.grant("", List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThat(Access.grant(null, List.of("rooms/**")).allows("rooms/*/typing")).isTrue();
    assertThat(Access.anyone().allows("**")).isTrue();
  }

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  private static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }
}
