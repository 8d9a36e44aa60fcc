package dev.herald.sse.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Sender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HandshakeTest {
  private final Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
      .heartbeat(Duration.ZERO).assignIds(true).firstId(1).history(10).channel(queueOf(10)).maxClients(2).build());
  private final Handshake handshake = Handshake.of(broadcaster, StreamConfig.defaults());

  @AfterEach
  void close() {
    broadcaster.close();
  }

  private static SseRequest request(String method, String... headerNamesAndValues) {
    Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
    for (int i = 0; i < headerNamesAndValues.length; i += 2) {
      headers.computeIfAbsent(headerNamesAndValues[i], name -> new ArrayList<>()).add(headerNamesAndValues[i + 1]);
    }
    return SseRequest.of(method, headers);
  }

  @Test
  void getOpensAStreamWithTheEventStreamHeaders() {
    Handshake.Answer answer = handshake.answer(request("GET"));

    assertThat(answer).isInstanceOf(Handshake.Open.class);
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.headers()).containsExactly(
        Map.entry("content-type", "text/event-stream; charset=utf-8"),
        Map.entry("cache-control", "no-cache"),
        Map.entry("x-accel-buffering", "no"));
    assertThat(broadcaster.clientCount()).isEqualTo(1);
  }

  @Test
  void headAnswersTheStreamHeadersAndSubscribesNobody() {
    Handshake.Open get = (Handshake.Open) handshake.answer(request("GET"));
    get.channel().close(CloseReason.CLIENT_GONE);
    for (int i = 0; i < 5; i++) {
      Handshake.Answer answer = handshake.answer(request("HEAD"));
      assertThat(answer).isInstanceOf(Handshake.HeadersOnly.class);
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.headers()).isEqualTo(get.headers());
    }
    assertThat(broadcaster.stats().clientsConnected()).isEqualTo(1); // the GET only
    assertThat(broadcaster.clientCount()).isZero();
  }

  @Test
  void headGetsTheRefusalsAGetWouldGet() {
    assertThat(handshake.answer(request("HEAD", "Accept", "application/json")).status()).isEqualTo(406);
    handshake.answer(request("GET"));
    handshake.answer(request("GET"));
    Handshake.Answer full = handshake.answer(request("HEAD"));
    assertThat(full).isInstanceOf(Handshake.Refusal.class);
    assertThat(full.status()).isEqualTo(503);
    assertThat(full.headers()).containsEntry("retry-after", "5");
    broadcaster.close();
    assertThat(handshake.answer(request("HEAD")).status()).isEqualTo(503);
  }

  @Test
  void optionsListsTheMethodsAndOtherMethodsAreNotAllowed() {
    Handshake.Answer options = handshake.answer(request("OPTIONS"));
    assertThat(options).isInstanceOf(Handshake.HeadersOnly.class);
    assertThat(options.status()).isEqualTo(204);
    assertThat(options.headers()).containsEntry("allow", "GET, HEAD, OPTIONS");
    for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "get", "BREW")) {
      Handshake.Answer answer = handshake.answer(request(method));
      assertThat(answer.status()).as(method).isEqualTo(405);
      assertThat(answer.headers()).containsEntry("allow", "GET, HEAD, OPTIONS");
    }
    assertThat(broadcaster.stats().clientsConnected()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"text/event-stream", "*/*", "text/*", "text/event-stream;q=0, text/event-stream",
      "application/json, */*;q=0.1", "TEXT/EVENT-STREAM"})
  void acceptThatAllowsTheStreamOpensIt(String accept) {
    assertThat(handshake.answer(request("GET", "Accept", accept))).isInstanceOf(Handshake.Open.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"application/json", "text/event-stream;q=0", "text/event-stream; q =0",
      "text/html, application/xml"})
  void acceptThatExcludesTheStreamIsRefusedWithAReason(String accept) {
    Handshake.Answer answer = handshake.answer(request("GET", "Accept", accept));

    assertThat(answer).isInstanceOf(Handshake.Refusal.class);
    assertThat(answer.status()).isEqualTo(406);
    assertThat(answer.headers()).containsEntry("content-type", "text/plain; charset=utf-8");
    assertThat(((Handshake.Refusal) answer).body()).isNotEmpty();
    assertThat(broadcaster.clientCount()).isZero();
  }

  @Test
  void everyAcceptLineCounts() {
    assertThat(handshake.answer(request("GET", "Accept", "application/json", "Accept", "text/event-stream")))
        .isInstanceOf(Handshake.Open.class);
    assertThat(handshake.answer(request("GET", "Accept", "text/event-stream;q=0", "Accept", "*/*")).status())
        .isEqualTo(406);
  }

  @Test
  void emptyLastEventIdIsTheSameAsNone() {
    broadcaster.broadcast(dev.herald.sse.Data.of("one"));
    Handshake.Open open = (Handshake.Open) handshake.answer(request("GET", "Last-Event-ID", ""));

    assertThat(open.channel().lastEventId()).isNull();
    assertThat(broadcaster.stats().replayMisses()).isZero();
    dev.herald.sse.spi.Frame position = open.channel().poll();
    assertThat(position).isNotNull();
    assertThat(position.length()).isEqualTo("id: 1\n\n".length()); // the stream's position only
    assertThat(open.channel().poll()).isNull(); // no replay, no reset
  }

  @Test
  void lastEventIdReachesTheEngine() {
    broadcaster.broadcast(dev.herald.sse.Data.of("one"));
    broadcaster.broadcast(dev.herald.sse.Data.of("two"));
    Handshake.Open open = (Handshake.Open) handshake.answer(request("GET", "last-event-id", "1"));

    assertThat(open.channel().lastEventId()).isEqualTo("1");
    assertThat(broadcaster.stats().replayHits()).isEqualTo(1);
  }

  @Test
  void theLastEventIdQueryParameterIsReadWhenTheHeaderIsAbsent() {
    broadcaster.broadcast(dev.herald.sse.Data.of("one"));
    broadcaster.broadcast(dev.herald.sse.Data.of("two"));

    Handshake.Open fromQuery = (Handshake.Open) handshake.answer(
        SseRequest.of("GET", Map.of(), Map.of("lastEventId", List.of("1"))));
    Handshake.Open headerWins = (Handshake.Open) handshake.answer(
        SseRequest.of("GET", Map.of("Last-Event-ID", List.of("2")), Map.of("lastEventId", List.of("1"))));

    assertThat(fromQuery.channel().lastEventId()).isEqualTo("1");
    assertThat(headerWins.channel().lastEventId()).isEqualTo("2");
    assertThat(broadcaster.stats().replayHits()).isEqualTo(2);
  }

  @Test
  void topicQueryParametersSubscribeTheClientToThem() {
    Handshake.Open open = (Handshake.Open) handshake.answer(
        SseRequest.of("GET", Map.of(), Map.of("topic", List.of("rooms/1", "users/*"))));
    open.channel().start(() -> {});

    assertThat(broadcaster.publish("rooms/1", dev.herald.sse.Data.of("a"))).isEqualTo(1);
    assertThat(broadcaster.publish("users/bob", dev.herald.sse.Data.of("b"))).isEqualTo(1);
    assertThat(broadcaster.publish("rooms/2", dev.herald.sse.Data.of("c"))).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"rooms//1", "rooms/1*", "**/x"})
  void aMalformedTopicIsRefusedWith400AndTheReasonAndNothingIsSubscribed(String topic) {
    Handshake.Answer answer = handshake.answer(
        SseRequest.of("GET", Map.of(), Map.of("topic", List.of("rooms/1", topic))));

    assertThat(answer).isInstanceOf(Handshake.Refusal.class);
    assertThat(answer.status()).isEqualTo(400);
    assertThat(((Handshake.Refusal) answer).reason()).contains(topic).doesNotContain("\n");
    assertThat(answer.headers()).containsEntry("content-type", "text/plain; charset=utf-8");
    assertThat(broadcaster.stats().clientsConnected()).isZero();
    assertThat(broadcaster.publish("rooms/1", dev.herald.sse.Data.of("a"))).isZero();
  }

  @Test
  void moreTopicsThanTheLimitAreRefusedWith400() {
    Broadcaster limited = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO)
        .topicLimits(new TopicLimits(2, 0, 50)).build());
    try {
      Handshake.Answer tooMany = Handshake.of(limited, StreamConfig.defaults()).answer(
          SseRequest.of("GET", Map.of(), Map.of("topic", List.of("a", "b", "c"))));
      Handshake.Answer pattern = Handshake.of(limited, StreamConfig.defaults()).answer(
          SseRequest.of("GET", Map.of(), Map.of("topic", List.of("a/*"))));

      assertThat(tooMany.status()).isEqualTo(400);
      assertThat(((Handshake.Refusal) tooMany).body())
          .isEqualTo("too many topics: a client may have at most 2\n"
              .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertThat(((Handshake.Refusal) pattern).reason()).isEqualTo("topic patterns are not allowed");
      assertThat(limited.stats().clientsConnected()).isZero();
    } finally {
      limited.close();
    }
  }

  @Test
  void overTheClientLimitIsRefusedWithRetryAfter() {
    Handshake custom = Handshake.of(broadcaster, StreamConfig.builder().retryAfter(Duration.ofSeconds(9)).build());
    custom.answer(request("GET"));
    custom.answer(request("GET"));

    Handshake.Answer answer = custom.answer(request("GET"));
    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.headers()).containsEntry("retry-after", "9");
    assertThat(broadcaster.clientCount()).isEqualTo(2);
  }

  @Test
  void aClosedBroadcasterRefusesWith503() {
    broadcaster.close();
    assertThat(handshake.answer(request("GET")).status()).isEqualTo(503);
  }

  @Test
  void singleClientStreamsHandTheSenderOverOnlyWhenOpened() {
    AtomicReference<Sender> opened = new AtomicReference<>();
    Handshake single = Handshake.of(StreamConfig.builder().heartbeat(Duration.ZERO).build(), opened::set);

    assertThat(single.answer(request("HEAD"))).isInstanceOf(Handshake.HeadersOnly.class);
    Handshake.Open open = (Handshake.Open) single.answer(request("GET", "Last-Event-ID", "7"));
    assertThat(opened).hasValue(null);
    open.channel().start(() -> {});
    open.opened();

    assertThat(opened.get()).isSameAs(open.channel().sender());
    assertThat(opened.get().lastEventId()).isEqualTo("7");
  }

  @Test
  void singleClientStreamsGetTheConfiguredHeartbeatComment() throws InterruptedException {
    Handshake single = Handshake.of(StreamConfig.builder()
        .heartbeat(Duration.ofMillis(20)).heartbeatComment("keep-alive").build(), sender -> {});
    Handshake.Open open = (Handshake.Open) single.answer(request("GET"));
    java.util.concurrent.Semaphore ready = new java.util.concurrent.Semaphore(0);
    open.channel().start(ready::release);
    open.opened();
    // The transport's first drain: from now on it is woken. A 20 ms heartbeat may already be there on a busy machine.
    dev.herald.sse.spi.Frame ping = open.channel().poll();
    if (ping == null) {
      assertThat(ready.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS)).as("a heartbeat arrives").isTrue();
      ping = open.channel().poll();
    }
    assertThat(ping).isNotNull();
    byte[] bytes = new byte[ping.length()];
    ping.buffer().get(bytes);
    assertThat(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(": keep-alive\n\n");
    open.channel().close(CloseReason.CLIENT_GONE);
  }

  @Test
  void anOnOpenThatThrowsEndsTheStreamWithAnError() {
    Handshake single = Handshake.of(StreamConfig.builder().heartbeat(Duration.ZERO).build(), sender -> {
      throw new IllegalStateException("boom");
    });
    Handshake.Open open = (Handshake.Open) single.answer(request("GET"));
    open.channel().start(() -> {});
    open.opened();

    assertThat(open.channel().closeReason()).isEqualTo(CloseReason.ERROR);
  }

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  private static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }

  @Test
  void gzipIsNegotiatedFromAcceptEncodingAndEveryStreamAnswerVaries() {
    Handshake gzip = Handshake.of(broadcaster, StreamConfig.builder().gzip(true).build());

    Handshake.Answer head = gzip.answer(request("HEAD", "Accept-Encoding", "gzip")); // before the client limit
    Handshake.Open compressed = (Handshake.Open) gzip.answer(request("GET", "Accept-Encoding", "gzip, deflate, br"));
    Handshake.Open plain = (Handshake.Open) gzip.answer(request("GET"));

    assertThat(compressed.headers()).containsEntry("content-encoding", "gzip").containsEntry("vary", "accept-encoding");
    assertThat(compressed.channel()).isInstanceOf(dev.herald.sse.core.internal.GzipChannel.class);
    assertThat(plain.headers()).doesNotContainKey("content-encoding").containsEntry("vary", "accept-encoding");
    assertThat(plain.channel()).isNotInstanceOf(dev.herald.sse.core.internal.GzipChannel.class);
    assertThat(head.headers()).as("HEAD: what GET would get").isEqualTo(compressed.headers());
    assertThat(handshake.answer(request("HEAD", "Accept-Encoding", "gzip")).headers())
        .as("off by default").doesNotContainKeys("content-encoding", "vary");
    compressed.channel().close(CloseReason.CLIENT_GONE);
    plain.channel().close(CloseReason.CLIENT_GONE);
  }
}
