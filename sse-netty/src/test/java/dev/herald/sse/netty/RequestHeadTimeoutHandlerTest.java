package dev.herald.sse.netty;

import static dev.herald.sse.netty.Wire.LAST_CHUNK;
import static dev.herald.sse.netty.Wire.STREAM_HEADERS;
import static dev.herald.sse.netty.Wire.chunk;
import static dev.herald.sse.netty.Wire.get;
import static dev.herald.sse.netty.Wire.read;
import static dev.herald.sse.netty.Wire.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link RequestHeadTimeoutHandler} after {@code HttpServerCodec}, on an {@link EmbeddedChannel}'s own clock. */
class RequestHeadTimeoutHandlerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
      .heartbeat(Duration.ZERO).build());

  @AfterEach
  void closeBroadcaster() {
    broadcaster.close();
  }

  /** A pipeline as the handler's javadoc shows it; {@code /ok} is answered at once, {@code /hold} never. */
  private EmbeddedChannel channel() {
    EmbeddedChannel channel = new EmbeddedChannel();
    // Frozen before the handler joins an open connection (which starts its timeout), so time moves only below.
    channel.freezeTime();
    channel.pipeline().addLast(new HttpServerCodec(), new RequestHeadTimeoutHandler(TIMEOUT),
        new SseHandler("/events", broadcaster), new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg); // a request's end, or a request
            if (msg instanceof HttpRequest request && request.uri().equals("/ok")) {
              FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
              HttpUtil.setContentLength(response, 0);
              ctx.writeAndFlush(response);
            }
          }
        });
    return channel;
  }

  private static void advance(EmbeddedChannel channel, Duration by) {
    channel.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
    channel.runScheduledPendingTasks();
  }

  @Test
  void connectionThatSendsNothingIsClosedAtTheTimeout() {
    EmbeddedChannel channel = channel();

    advance(channel, TIMEOUT.minusMillis(1));
    assertThat(channel.isOpen()).isTrue();
    advance(channel, Duration.ofMillis(1));

    assertThat(channel.isOpen()).isFalse();
    assertThat(read(channel)).as("closed without a response").isEmpty();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void requestHeadThatNeverEndsIsClosedAtTheTimeout() {
    EmbeddedChannel channel = channel();

    send(channel, "GET /events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event");
    advance(channel, TIMEOUT);

    assertThat(channel.isOpen()).isFalse();
    assertThat(broadcaster.clientCount()).isZero();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void streamOutlivesTheTimeoutByFar() {
    EmbeddedChannel channel = channel();
    send(channel, get("/events"));
    assertThat(read(channel)).isEqualTo(STREAM_HEADERS);

    advance(channel, Duration.ofHours(1));
    broadcaster.broadcast(Data.of("still here"));

    assertThat(channel.isOpen()).isTrue();
    assertThat(read(channel)).isEqualTo(chunk("data: still here\n\n"));
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void afterAStreamEndsTheNextRequestMustArriveInTime() {
    EmbeddedChannel channel = channel();
    send(channel, get("/events"));
    read(channel);
    advance(channel, Duration.ofMinutes(5));

    broadcaster.close();
    assertThat(read(channel)).isEqualTo(LAST_CHUNK);
    assertThat(channel.isOpen()).as("kept alive for the next request").isTrue();
    advance(channel, TIMEOUT);

    assertThat(channel.isOpen()).isFalse();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void requestsThatKeepComingInTimeKeepTheConnection() {
    EmbeddedChannel channel = channel();

    for (int i = 0; i < 5; i++) {
      advance(channel, TIMEOUT.minusSeconds(1));
      send(channel, get("/ok"));
      assertThat(read(channel)).startsWith("HTTP/1.1 200 OK");
    }
    assertThat(channel.isOpen()).isTrue();
    advance(channel, TIMEOUT);

    assertThat(channel.isOpen()).isFalse();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void pipelinedRequestStillBeingAnsweredStopsTheTimeout() {
    EmbeddedChannel channel = channel();

    send(channel, get("/ok") + get("/hold"));
    assertThat(read(channel)).startsWith("HTTP/1.1 200 OK");
    advance(channel, TIMEOUT.multipliedBy(3));

    assertThat(channel.isOpen()).as("/hold has no response yet").isTrue();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void headWhoseBodyNeverComesIsClosedAtTheTimeout() {
    EmbeddedChannel channel = channel();

    send(channel, "POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n");
    advance(channel, TIMEOUT.minusMillis(1));
    assertThat(channel.isOpen()).isTrue();
    advance(channel, Duration.ofMillis(1));

    assertThat(channel.isOpen()).isFalse();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void tricklingBodyIsClosedWhenHeadAndBodyTogetherOutlastTheTimeout() {
    EmbeddedChannel channel = channel();
    advance(channel, Duration.ofSeconds(3));
    send(channel, "POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n");

    // A byte a second: every byte is read, and the deadline set when the connection opened still holds.
    for (int second = 3; second < TIMEOUT.toSeconds() - 1; second++) {
      advance(channel, Duration.ofSeconds(1));
      send(channel, "x");
      assertThat(channel.isOpen()).isTrue();
    }
    advance(channel, Duration.ofSeconds(1));

    assertThat(channel.isOpen()).isFalse();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void bodyThatEndsInTimeStopsTheTimeoutUntilItsResponse() {
    EmbeddedChannel channel = channel();

    send(channel, "POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhel");
    advance(channel, TIMEOUT.minusSeconds(1));
    send(channel, "lo");
    advance(channel, TIMEOUT.multipliedBy(3));

    assertThat(channel.isOpen()).as("/upload has no response yet").isTrue();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void bodyLeftUnreadAfterAnEarlyAnswerIsStillUnderTheDeadline() {
    EmbeddedChannel channel = channel();

    send(channel, "POST /ok HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n");
    assertThat(read(channel)).startsWith("HTTP/1.1 200 OK");
    advance(channel, TIMEOUT);

    assertThat(channel.isOpen()).isFalse();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void timeoutMustBePositive() {
    assertThatThrownBy(() -> new RequestHeadTimeoutHandler(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    assertThatThrownBy(() -> new RequestHeadTimeoutHandler(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
  }
}
