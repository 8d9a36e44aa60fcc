package dev.herald.sse.netty;

import static dev.herald.sse.netty.Wire.LAST_CHUNK;
import static dev.herald.sse.netty.Wire.STREAM_HEADERS;
import static dev.herald.sse.netty.Wire.chunk;
import static dev.herald.sse.netty.Wire.get;
import static dev.herald.sse.netty.Wire.read;
import static dev.herald.sse.netty.Wire.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SseHandlerTest {
  private final Wire.Next next = new Wire.Next();
  private final Counting counting = new Counting();
  private Broadcaster broadcaster = Broadcasters.create(config().build());

  private static BroadcasterConfig.Builder config() {
    return BroadcasterConfig.builder().heartbeat(Duration.ZERO);
  }

  @AfterEach
  void closeBroadcaster() {
    broadcaster.close();
  }

  private EmbeddedChannel channel() {
    return new EmbeddedChannel(counting, new HttpServerCodec(), new SseHandler("/events", broadcaster), next);
  }

  private EmbeddedChannel streaming(String... headers) {
    EmbeddedChannel channel = channel();
    send(channel, get("/events", headers));
    assertThat(read(channel)).isEqualTo(STREAM_HEADERS);
    return channel;
  }

  @Test
  void getAnswersWithEventStreamHeadersFlushedAtOnce() {
    EmbeddedChannel channel = channel();
    send(channel, get("/events?topic=news"));

    assertThat(read(channel)).isEqualTo(STREAM_HEADERS);
    assertThat(counting.flushes).isEqualTo(1);
    assertThat(broadcaster.clientCount()).isEqualTo(1);
    assertThat(next.seen).as("the request and its end are consumed").isEmpty();
    broadcaster.close();
    assertThat(read(channel)).isEqualTo(LAST_CHUNK);
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void eventAloneInItsDrainIsOneChunkOfTheEncodedBytes() {
    EmbeddedChannel channel = streaming();

    broadcaster.broadcast(Data.of("line one\nline two\r\nthree").withName("chat").withId("7"));
    String first = read(channel);
    broadcaster.broadcast(Data.of("héllo ☃ 😀").withRetry(Duration.ofMillis(2500)));
    String second = read(channel);
    broadcaster.broadcast(Comment.of("ping"));
    String third = read(channel);

    assertThat(first).isEqualTo(chunk("id: 7\nevent: chat\ndata: line one\ndata: line two\ndata: three\n\n"));
    assertThat(second).isEqualTo(chunk("retry: 2500\ndata: héllo ☃ 😀\n\n"));
    assertThat(third).isEqualTo(chunk(": ping\n\n"));
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void eventsQueuedForOneDrainGoOutAsOneChunkOfTheirEncodedBytes() {
    EmbeddedChannel channel = streaming();

    broadcaster.broadcast(Data.of("line one\nline two\r\nthree").withName("chat").withId("7"));
    broadcaster.broadcast(Data.of("héllo ☃ 😀").withRetry(Duration.ofMillis(2500)));
    broadcaster.broadcast(Comment.of("ping"));

    assertThat(read(channel)).isEqualTo(chunk("id: 7\nevent: chat\ndata: line one\ndata: line two\ndata: three\n\n"
        + "retry: 2500\ndata: héllo ☃ 😀\n\n"
        + ": ping\n\n"));
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void chunkTakesQueuedEventsUntilItHoldsTheBatchBytes() {
    EmbeddedChannel channel = streaming();
    String payload = "x".repeat(6000);
    String event = "data: " + payload + "\n\n";

    for (int i = 0; i < 4; i++) {
      broadcaster.broadcast(Data.of(payload));
    }

    // 6,008 bytes each: the third takes the chunk past 16 KiB, so the fourth starts the next one.
    assertThat(read(channel)).isEqualTo(chunk(event.repeat(3)) + chunk(event));
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void chunkTakesAtMostTheBatchFramesHowEverSmallTheyAre() {
    EmbeddedChannel channel = streaming();

    for (int i = 0; i < 300; i++) {
      broadcaster.broadcast(Comment.of(""));
    }

    assertThat(read(channel)).isEqualTo(chunk(":\n\n".repeat(256)) + chunk(":\n\n".repeat(44)));
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void framesQueuedBetweenDrainsAreFlushedOnce() {
    EmbeddedChannel channel = streaming();
    int flushes = counting.flushes;

    broadcaster.broadcast(Data.of("1"));
    broadcaster.broadcast(Data.of("2"));
    broadcaster.broadcast(Data.of("3"));

    assertThat(read(channel)).isEqualTo(chunk("data: 1\n\ndata: 2\n\ndata: 3\n\n"));
    assertThat(counting.flushes - flushes).isEqualTo(1);
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void lastEventIdIsHandedToTheEngineWhichReplaysWhatFollowsIt() {
    broadcaster = Broadcasters.create(config().assignIds(true).firstId(1).history(10).channel(queueOf(10)).build());
    broadcaster.broadcast(Data.of("a"));
    broadcaster.broadcast(Data.of("b"));
    broadcaster.broadcast(Data.of("c"));

    EmbeddedChannel channel = channel();
    send(channel, get("/events", "Last-Event-ID: 1\r\n"));

    assertThat(read(channel)).isEqualTo(STREAM_HEADERS + chunk("id: 2\ndata: b\n\nid: 3\ndata: c\n\n"));
    assertThat(broadcaster.stats().replayHits()).isEqualTo(1);
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void unwritableConnectionStopsTheDrainUntilItIsWritableAgain() {
    EmbeddedChannel channel = streaming();
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);

    broadcaster.broadcast(Data.of("1"));
    broadcaster.broadcast(Data.of("2"));
    assertThat(read(channel)).isEmpty();
    assertThat(broadcaster.stats().framesPending()).isEqualTo(2);

    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
    assertThat(read(channel)).isEqualTo(chunk("data: 1\n\ndata: 2\n\n"));
    assertThat(broadcaster.stats().framesPending()).isZero();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void drainStopsAtTheHighWaterMarkAndResumesWhenTheBufferDrains() {
    EmbeddedChannel channel = streaming();
    channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
    int flushes = counting.flushes;

    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      broadcaster.broadcast(Data.of("event number " + i));
      expected.append(chunk("data: event number " + i + "\n\n"));
    }

    assertThat(read(channel)).isEqualTo(expected.toString());
    assertThat(counting.flushes - flushes).as("one frame per drain: each passes the high water mark").isEqualTo(5);
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void closedConnectionRemovesTheClientAtOnce() {
    EmbeddedChannel channel = streaming();
    assertThat(broadcaster.clientCount()).isEqualTo(1);

    channel.close();

    assertThat(broadcaster.clientCount()).isZero();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void failedWriteRemovesTheClientAndClosesTheConnection() {
    EmbeddedChannel channel = streaming();

    counting.failWrites = true;
    broadcaster.broadcast(Data.of("lost"));
    read(channel);

    assertThat(broadcaster.clientCount()).isZero();
    assertThat(channel.isOpen()).isFalse();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void serverCloseWritesWhatIsQueuedEndsTheResponseAndKeepsTheConnection() {
    EmbeddedChannel channel = streaming();

    broadcaster.broadcast(Data.of("last words"));
    broadcaster.close();

    assertThat(read(channel)).isEqualTo(chunk("data: last words\n\n") + LAST_CHUNK);
    assertThat(channel.isOpen()).isTrue();
    send(channel, get("/other"));
    assertThat(next.seen).containsExactly("GET /other", "end");
    channel.advanceTimeBy(1, TimeUnit.MINUTES);
    channel.runPendingTasks();
    assertThat(channel.isOpen()).as("the close grace does not outlive the stream").isTrue();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void serverCloseClosesTheConnectionWhenTheClientAskedForIt() {
    EmbeddedChannel channel = streaming("Connection: close\r\n");

    broadcaster.close();

    assertThat(read(channel)).isEqualTo(LAST_CHUNK);
    assertThat(channel.isOpen()).isFalse();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void http10StreamIsNotChunkedAndEndsByClosingTheConnection() {
    EmbeddedChannel channel = channel();
    send(channel, "GET /events HTTP/1.0\r\n\r\n");
    assertThat(read(channel)).isEqualTo("HTTP/1.0 200 OK\r\n"
        + "content-type: text/event-stream; charset=utf-8\r\n"
        + "cache-control: no-cache\r\n"
        + "x-accel-buffering: no\r\n"
        + "\r\n");

    broadcaster.broadcast(Data.of("plain"));
    broadcaster.close();

    assertThat(read(channel)).isEqualTo("data: plain\n\n");
    assertThat(channel.isOpen()).isFalse();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void requestPipelinedBehindAStreamIsDiscardedAndTheConnectionClosesWhenTheStreamEnds() {
    EmbeddedChannel channel = channel();
    send(channel, get("/events") + get("/other"));
    assertThat(read(channel)).isEqualTo(STREAM_HEADERS);
    assertThat(next.seen).isEmpty();

    broadcaster.close();

    assertThat(read(channel)).isEqualTo(LAST_CHUNK);
    assertThat(channel.isOpen()).isFalse();
    assertThat(next.seen).isEmpty();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void closeGraceClosesTheConnectionOfAClientThatDoesNotReadTheEnd() {
    EmbeddedChannel channel = streaming();
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    broadcaster.broadcast(Data.of("never read"));
    broadcaster.close();
    assertThat(read(channel)).isEmpty();

    channel.advanceTimeBy(4900, TimeUnit.MILLISECONDS);
    channel.runPendingTasks();
    assertThat(channel.isOpen()).isTrue();
    channel.advanceTimeBy(200, TimeUnit.MILLISECONDS);
    channel.runPendingTasks();
    assertThat(channel.isOpen()).isFalse();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void slowConsumerIsDisconnectedAtOnce() {
    broadcaster = Broadcasters.create(config().channel(queueOf(2)).build());
    EmbeddedChannel channel = streaming();
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);

    broadcaster.broadcast(Data.of("1"));
    broadcaster.broadcast(Data.of("2"));
    broadcaster.broadcast(Data.of("3"));
    read(channel);

    assertThat(channel.isOpen()).isFalse();
    assertThat(broadcaster.stats().slowClientsDisconnected()).isEqualTo(1);
    assertThat(broadcaster.clientCount()).isZero();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void headGetsTheStreamHeadersAndNoBody() {
    EmbeddedChannel channel = channel();
    send(channel, "HEAD /events HTTP/1.1\r\nHost: localhost\r\n\r\n");

    assertThat(read(channel)).isEqualTo(STREAM_HEADERS);
    assertThat(broadcaster.clientCount()).isZero();
    send(channel, get("/other"));
    assertThat(next.seen).containsExactly("GET /other", "end");
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void otherMethodsGet405AndTheirBodyIsDiscarded() {
    EmbeddedChannel channel = channel();
    send(channel, "POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello" + get("/other"));

    assertThat(read(channel)).isEqualTo(
        "HTTP/1.1 405 Method Not Allowed\r\nallow: GET, HEAD, OPTIONS\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 64\r\n\r\nthis resource is an event stream; it answers GET, HEAD, OPTIONS\n");
    assertThat(next.seen).containsExactly("GET /other", "end");
    assertThat(channel.isOpen()).isTrue();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void optionsGets204WithTheMethodsAndTheConnectionGoesOn() {
    EmbeddedChannel channel = channel();
    send(channel, "OPTIONS /events HTTP/1.1\r\nHost: localhost\r\n\r\n" + get("/other"));

    assertThat(read(channel)).isEqualTo("HTTP/1.1 204 No Content\r\nallow: GET, HEAD, OPTIONS\r\n\r\n");
    assertThat(next.seen).containsExactly("GET /other", "end");
    assertThat(broadcaster.stats().clientsConnected()).isZero();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void headGetsTheRefusalAGetWouldGet() {
    broadcaster = Broadcasters.create(config().maxClients(1).build());
    EmbeddedChannel first = streaming();
    EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec(), new SseHandler("/events", broadcaster));
    send(channel, "HEAD /events HTTP/1.1\r\nHost: localhost\r\n\r\n");

    assertThat(read(channel)).startsWith("HTTP/1.1 503 Service Unavailable\r\nretry-after: 5\r\n");
    assertThat(broadcaster.stats().clientsConnected()).isEqualTo(1);
    assertThat(channel.finishAndReleaseAll()).isFalse();
    assertThat(first.finishAndReleaseAll()).isFalse();
  }

  @Test
  void clientOverTheLimitGets503WithRetryAfter() {
    broadcaster = Broadcasters.create(config().maxClients(1).build());
    EmbeddedChannel first = streaming();
    EmbeddedChannel second = new EmbeddedChannel(new HttpServerCodec(), new SseHandler("/events", broadcaster));

    send(second, get("/events"));

    assertThat(read(second)).isEqualTo(
        "HTTP/1.1 503 Service Unavailable\r\nretry-after: 5\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 34\r\n\r\ntoo many clients; try again later\n");
    assertThat(broadcaster.clientCount()).isEqualTo(1);
    assertThat(second.finishAndReleaseAll()).isFalse();
    assertThat(first.finishAndReleaseAll()).isFalse();
  }

  @Test
  void closedBroadcasterGets503() {
    broadcaster.close();
    EmbeddedChannel channel = channel();

    send(channel, get("/events"));

    assertThat(read(channel)).isEqualTo("HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 27\r\n\r\nthe event stream has ended\n");
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void acceptThatExcludesEventStreamGets406() {
    EmbeddedChannel channel = channel();

    send(channel, get("/events", "Accept: application/json\r\n"));

    assertThat(read(channel)).isEqualTo("HTTP/1.1 406 Not Acceptable\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 74\r\n\r\nthis resource is a text/event-stream, which the request's Accept excludes\n");
    assertThat(broadcaster.clientCount()).isZero();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void acceptWithAWildcardIsServed() {
    EmbeddedChannel channel = streaming("Accept: text/html, */*;q=0.1\r\n");

    assertThat(broadcaster.clientCount()).isEqualTo(1);
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void malformedRequestGets400AndTheConnectionCloses() {
    EmbeddedChannel channel = channel();

    send(channel, get("/events", "Bad Header: has a space in its name\r\n"));

    assertThat(read(channel)).isEqualTo(
        "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    assertThat(broadcaster.clientCount()).isZero();
    assertThat(channel.isOpen()).isFalse();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void headersBeyondTheDecoderLimitGet431AndTheConnectionCloses() {
    EmbeddedChannel channel = channel();

    send(channel, get("/events", "Last-Event-ID: " + "7".repeat(9_000) + "\r\n"));

    assertThat(read(channel)).isEqualTo(
        "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    assertThat(broadcaster.clientCount()).isZero();
    assertThat(channel.isOpen()).isFalse();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void otherPathsArePassedOn() {
    EmbeddedChannel channel = channel();

    send(channel, get("/events/more") + get("/eventsx"));

    assertThat(read(channel)).isEmpty();
    assertThat(next.seen).containsExactly(
        "GET /events/more", "end",
        "GET /eventsx", "end");
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void worksBehindAnAggregator() {
    EmbeddedChannel channel = new EmbeddedChannel(
        new HttpServerCodec(), new HttpObjectAggregator(1024), new SseHandler("/events", broadcaster), next);

    send(channel, "POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello" + get("/events"));

    assertThat(read(channel)).isEqualTo(
        "HTTP/1.1 405 Method Not Allowed\r\nallow: GET, HEAD, OPTIONS\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 64\r\n\r\nthis resource is an event stream; it answers GET, HEAD, OPTIONS\n" + STREAM_HEADERS);
    broadcaster.broadcast(Data.of("aggregated"));
    broadcaster.close();
    assertThat(read(channel)).isEqualTo(chunk("data: aggregated\n\n") + LAST_CHUNK);
    send(channel, get("/other"));
    assertThat(next.seen).containsExactly("GET /other");
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  /** Counts flushes, and fails writes on demand as a reset connection would. */
  private static final class Counting extends ChannelOutboundHandlerAdapter {
    int flushes;
    boolean failWrites;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (failWrites) {
        ReferenceCountUtil.release(msg);
        promise.setFailure(new IOException("Connection reset by peer"));
      } else {
        ctx.write(msg, promise);
      }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
      flushes++;
      ctx.flush();
    }

    @Override
    public boolean isSharable() {
      return true;
    }
  }

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  private static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }
}
