package dev.herald.sse.netty;

import static dev.herald.sse.netty.Wire.get;
import static dev.herald.sse.netty.Wire.read;
import static dev.herald.sse.netty.Wire.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link BadRequestHandler} after {@code HttpServerCodec}: malformed requests never reach the routes. */
class BadRequestHandlerTest {
  private final Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
      .heartbeat(Duration.ZERO).build());
  private final Wire.Next next = new Wire.Next();
  private final EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec(), new BadRequestHandler(),
      new SseHandler("/events", broadcaster), next);

  @AfterEach
  void close() {
    broadcaster.close();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  private String statusLineOf(String request) {
    send(channel, request);
    String response = read(channel);
    return response.isEmpty() ? "" : response.substring(0, response.indexOf("\r\n"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "abc", "10, 11", "1e3"})
  void badContentLengthIsRefusedWith400AndCloses(String length) {
    assertThat(statusLineOf("POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n\r\nhello"))
        .isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(next.seen).isEmpty();
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void twoContentLengthHeadersAreRefused() {
    assertThat(statusLineOf("POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"))
        .isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(next.seen).isEmpty();
  }

  @Test
  void spaceBeforeTheColonIsRefused() {
    assertThat(statusLineOf("POST /other HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello"))
        .isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(next.seen).isEmpty();
  }

  @Test
  void badChunkSizeIsRefusedBeforeTheRoutesSeeTheBodyEnd() {
    String status = statusLineOf("POST /other HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhi\r\n");

    assertThat(status).isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(next.seen).as("the head went on; its end never did").containsExactly("POST /other");
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void chunkedOnHttp10IsRefused() {
    assertThat(statusLineOf("POST /other HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
        .isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(next.seen).isEmpty();
  }

  @Test
  void requestLineOverTheLimitGets414() {
    assertThat(statusLineOf(get("/events/" + "x".repeat(5000)))).isEqualTo("HTTP/1.1 414 Request-URI Too Long");
    assertThat(next.seen).isEmpty();
  }

  @Test
  void headersOverTheLimitGet431() {
    assertThat(statusLineOf(get("/other", "X-Big: " + "x".repeat(9000) + "\r\n")))
        .isEqualTo("HTTP/1.1 431 Request Header Fields Too Large");
    assertThat(next.seen).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "GET /other HTTP/2.0\r\nHost: x\r\n\r\n",
      "GET /other HTTP/0.9\r\n\r\n"})
  void otherVersionsGet505(String request) {
    assertThat(statusLineOf(request)).isEqualTo("HTTP/1.1 505 HTTP Version Not Supported");
    assertThat(next.seen).isEmpty();
    assertThat(broadcaster.clientCount()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"events", "*", "ftp://host/events"})
  void targetThatIsNotAPathGets400(String target) {
    assertThat(statusLineOf("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(next.seen).isEmpty();
  }

  @Test
  void absoluteFormAndAsteriskOptionsGoOn() {
    send(channel, "GET http://x/other HTTP/1.1\r\nHost: x\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");

    assertThat(read(channel)).isEmpty();
    assertThat(next.seen).containsExactly("GET http://x/other", "end", "OPTIONS *", "end");
  }

  @Test
  void validRequestsAndTheirBodiesGoOnUntouched() {
    send(channel, "POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" + get("/next"));

    assertThat(read(channel)).isEmpty();
    assertThat(next.seen).containsExactly("POST /other", "end", "GET /next", "end");
    assertThat(channel.isOpen()).isTrue();
  }
}
