package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.CloseReason;
import dev.herald.sse.examples.ExampleApp.Reply;
import dev.herald.sse.examples.ExampleApp.Route;
import dev.herald.sse.examples.ExampleApp.Route.Kind;
import dev.herald.sse.spi.SseChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExampleAppTest {
  private final ExampleApp app = new ExampleApp(ExampleOptions.defaults());

  @AfterEach
  void close() {
    app.close();
  }

  private static String body(Reply reply) {
    return new String(reply.body(), StandardCharsets.UTF_8);
  }

  @Test
  void routesTheSeedsPathsAndOurs() {
    assertThat(app.route("GET", "/events")).isEqualTo(new Route(Kind.SUBSCRIBE, ""));
    assertThat(app.route("GET", "/events/")).isEqualTo(new Route(Kind.SUBSCRIBE, ""));
    assertThat(app.route("GET", "/events?x=1")).isEqualTo(new Route(Kind.SUBSCRIBE, ""));
    assertThat(app.route("GET", "/events/hello%20world")).isEqualTo(new Route(Kind.BROADCAST_PATH, "hello%20world"));
    assertThat(app.route("POST", "/events")).isEqualTo(new Route(Kind.BROADCAST_BODY, ""));
    assertThat(app.route("GET", "/stats")).isEqualTo(new Route(Kind.STATS, ""));
    assertThat(app.route("GET", "/")).isEqualTo(new Route(Kind.INDEX, ""));
    assertThat(app.route("GET", "/nope")).isEqualTo(new Route(Kind.NOT_FOUND, ""));
    assertThat(app.route("DELETE", "/events")).isEqualTo(new Route(Kind.METHOD_NOT_ALLOWED, "GET, HEAD, POST"));
    assertThat(app.route("POST", "/events/x")).isEqualTo(new Route(Kind.METHOD_NOT_ALLOWED, "GET"));
  }

  @Test
  void routesTheTopicPathsWithTheirRawQuery() {
    assertThat(app.route("GET", "/publish?topic=rooms%2F7&msg=hi")).isEqualTo(
        new Route(Kind.PUBLISH_QUERY, "topic=rooms%2F7&msg=hi"));
    assertThat(app.route("POST", "/publish?topic=rooms/7")).isEqualTo(new Route(Kind.PUBLISH_BODY, "topic=rooms/7"));
    assertThat(app.route("HEAD", "/publish?topic=a&msg=b")).isEqualTo(new Route(Kind.METHOD_NOT_ALLOWED, "GET, POST"));
    assertThat(app.route("GET", "/login?user=bob")).isEqualTo(new Route(Kind.LOGIN, "user=bob"));
    assertThat(app.route("POST", "/login?user=bob")).isEqualTo(new Route(Kind.METHOD_NOT_ALLOWED, "GET, HEAD"));
    assertThat(app.route("GET", "/stats?topic=rooms/7")).isEqualTo(new Route(Kind.STATS, "topic=rooms/7"));
    assertThat(new Route(Kind.PUBLISH_BODY, "").hasBody()).isTrue();
    assertThat(new Route(Kind.PUBLISH_QUERY, "").hasBody()).isFalse();
  }

  @Test
  void aPublishReachesItsTopicAsNamedJsonAndABadTopicIsRefusedWithTheReason() {
    SseChannel room = app.broadcaster().subscribe(null, java.util.List.of("rooms/7"));
    SseChannel other = app.broadcaster().subscribe(null, java.util.List.of("rooms/8"));
    room.poll(); // the greeting
    room.poll(); // the position
    other.poll();
    other.poll();

    Reply query = app.answer(app.route("GET", "/publish?topic=rooms%2F7&msg=a+%22quoted%22%0Aline"))
        .toCompletableFuture().join();
    Reply body = app.answer(app.route("POST", "/publish?topic=rooms/7"), "é".getBytes(StandardCharsets.UTF_8), null)
        .toCompletableFuture().join();
    Reply pattern = app.answer(app.route("GET", "/publish?topic=rooms/*&msg=x")).toCompletableFuture().join();
    Reply none = app.answer(app.route("GET", "/publish?msg=x")).toCompletableFuture().join();
    Reply noMessage = app.answer(app.route("GET", "/publish?topic=a")).toCompletableFuture().join();

    assertThat(body(query)).isEqualTo("msg sent\n");
    assertThat(body(body)).isEqualTo("msg sent\n");
    assertThat(room.poll().toString()).matches(
        "id: \\d+\nevent: publish\ndata: \\{\"topic\":\"rooms/7\",\"msg\":\"a \\\\\"quoted\\\\\"\\\\nline\"}\n\n");
    assertThat(room.poll().toString()).endsWith("data: {\"topic\":\"rooms/7\",\"msg\":\"é\"}\n\n");
    assertThat(other.poll()).isNull();
    assertThat(pattern.status()).isEqualTo(400);
    assertThat(body(pattern)).contains("wildcard").hasLineCount(1);
    assertThat(none.status()).isEqualTo(400);
    assertThat(body(none)).isEqualTo("name one topic: /publish?topic=NAME\n");
    assertThat(noMessage.status()).isEqualTo(400);
    room.close(CloseReason.CLIENT_GONE);
    other.close(CloseReason.CLIENT_GONE);
  }

  @Test
  void statsCountTopicsAndTellATopicsSubscribers() {
    SseChannel one = app.broadcaster().subscribe(null, java.util.List.of("rooms/7", "rooms/*"));
    SseChannel two = app.broadcaster().subscribe(null, java.util.List.of("rooms/7"));

    assertThat(body(app.reply(app.route("GET", "/stats")))).contains("\"topics\":2}");
    assertThat(body(app.reply(app.route("GET", "/stats?topic=rooms/7"))))
        .isEqualTo("{\"topic\":\"rooms/7\",\"subscribers\":2}\n");
    assertThat(body(app.reply(app.route("GET", "/stats?topic=rooms/8&topic=lobby"))))
        .isEqualTo("[{\"topic\":\"rooms/8\",\"subscribers\":1},{\"topic\":\"lobby\",\"subscribers\":0}]\n");
    Reply bad = app.reply(app.route("GET", "/stats?topic=rooms/*"));
    assertThat(bad.status()).isEqualTo(400);
    one.close(CloseReason.CLIENT_GONE);
    two.close(CloseReason.CLIENT_GONE);
  }

  @Test
  void pathMessageIsPercentDecodedAsUtf8AndBroadcast() {
    SseChannel channel = app.broadcaster().subscribe(null);
    channel.poll(); // the greeting
    String position = channel.poll().toString(); // the stream's position, before any event: from the clock
    assertThat(position).matches("id: \\d{16}\n\n");
    long start = Long.parseLong(position.substring(4, position.length() - 2));

    Reply reply = app.answer(app.route("GET", "/events/caf%C3%A9%20%E2%82%AC+1%0Anext")).toCompletableFuture().join();

    assertThat(reply.status()).isEqualTo(200);
    assertThat(body(reply)).isEqualTo("msg sent\n");
    assertThat(channel.poll().toString()).isEqualTo("id: " + (start + 1) + "\ndata: café €+1\ndata: next\n\n");
    channel.close(CloseReason.CLIENT_GONE); // no transport serves it: as if its client left
  }

  @Test
  void nulInThePathIsABadRequestAndBroadcastsNothing() {
    Reply reply = app.broadcastPath("a%00b").toCompletableFuture().join();

    assertThat(reply.status()).isEqualTo(400);
    assertThat(app.broadcaster().stats().eventsBroadcast()).isZero();
  }

  @Test
  void absoluteFormTargetIsRoutedByItsPath() {
    assertThat(app.route("GET", "http://127.0.0.1:8000/events/x?y")).isEqualTo(new Route(Kind.BROADCAST_PATH, "x"));
    assertThat(app.route("GET", "HTTP://host")).isEqualTo(new Route(Kind.INDEX, ""));
  }

  @Test
  void malformedPercentEncodingIsABadRequest() {
    for (String bad : new String[] {"%", "%4", "%zz", "abc%G1", "%C3%28", "%FF"}) {
      Reply reply = app.broadcastPath(bad).toCompletableFuture().join();
      assertThat(reply.status()).as(bad).isEqualTo(400);
      assertThat(body(reply)).as(bad).startsWith("malformed percent-encoding").endsWith("\n")
          .hasLineCount(1);
    }
    assertThat(app.broadcaster().stats().eventsBroadcast()).isZero();
  }

  @Test
  void bodyIsBroadcastUpToItsLimit() throws Exception {
    byte[] limit = "x".repeat(ExampleApp.MAX_BODY_BYTES).getBytes(StandardCharsets.UTF_8);
    byte[] over = "x".repeat(ExampleApp.MAX_BODY_BYTES + 100).getBytes(StandardCharsets.UTF_8);

    assertThat(app.broadcastBody(limit).toCompletableFuture().join().status()).isEqualTo(200);
    assertThat(app.broadcastBody(over).toCompletableFuture().join().status()).isEqualTo(413);
    assertThat(app.broadcastBody(new byte[] {(byte) 0xC3, 0x28}).toCompletableFuture().join().status())
        .isEqualTo(400);
  }

  @Test
  void statsAreJson() {
    SseChannel channel = app.broadcaster().subscribe(null);
    app.broadcastPath("x").toCompletableFuture().join();

    String json = body(app.reply(new Route(Kind.STATS, "")));
    channel.close(CloseReason.CLIENT_GONE); // no transport serves it: as if its client left

    assertThat(json).startsWith("{\"clients\":1,\"clientsConnected\":1,\"eventsBroadcast\":1,").endsWith("}\n");
  }

  @Test
  void indexIsTheLivePage() {
    Reply reply = app.reply(new Route(Kind.INDEX, ""));

    assertThat(reply.contentType()).startsWith("text/html");
    assertThat(body(reply)).contains("new EventSource(\"/events\")");
  }

  @Test
  void optionsHaveTheSeedsDefaults() throws Exception {
    ExampleOptions options = ExampleOptions.parse();

    assertThat(options.transport()).isEqualTo(ExampleOptions.Transport.NETTY);
    assertThat(options.host()).isEqualTo("127.0.0.1");
    assertThat(options.port()).isEqualTo(8000);
    assertThat(options.heartbeat()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void tlsFlagsParseAndACertificateNeedsItsKey() throws Exception {
    assertThat(ExampleOptions.parse("--tls").tls()).isEqualTo(new ExampleOptions.Tls(null, null));
    assertThat(ExampleOptions.parse("--tls-cert", "c.pem", "--tls-key=k.pem").tls())
        .isEqualTo(new ExampleOptions.Tls(java.nio.file.Path.of("c.pem"), java.nio.file.Path.of("k.pem")));
    assertThat(ExampleOptions.parse().tls()).isNull();
    assertThatThrownBy(() -> ExampleOptions.parse("--tls-cert", "c.pem"))
        .hasMessage("--tls-cert and --tls-key go together");
  }

  @Test
  void optionsParseEveryFlag() throws Exception {
    ExampleOptions options =
        ExampleOptions.parse("--transport", "TOMCAT", "--host=0.0.0.0", "--port", "0", "--heartbeat", "500ms",
            "--history", "5", "--redis", "redis://127.0.0.1:6380", "--max-connections", "300",
            "--request-timeout", "2s", "--compress");

    assertThat(options).isEqualTo(new ExampleOptions(
        ExampleOptions.Transport.TOMCAT, "0.0.0.0", 0, Duration.ofMillis(500), 5, "redis://127.0.0.1:6380", 300,
        Duration.ofSeconds(2), null, true));
    assertThat(ExampleOptions.parse().compress()).isFalse();
    assertThat(options.maxStreams()).isEqualTo(263);
    assertThat(ExampleOptions.parse("--help")).isNull();
  }

  @Test
  void badOptionsAreOneLineErrors() {
    assertThatThrownBy(() -> ExampleOptions.parse("--transport", "undertow"))
        .hasMessage("--transport must be netty, jetty, tomcat or webflux: undertow");
    assertThatThrownBy(() -> ExampleOptions.parse("--port", "70000")).hasMessageContaining("0 to 65535");
    assertThatThrownBy(() -> ExampleOptions.parse("--heartbeat", "soon")).hasMessageContaining("duration");
    assertThatThrownBy(() -> ExampleOptions.parse("--request-timeout", "0"))
        .hasMessage("--request-timeout must be positive: 0");
    assertThatThrownBy(() -> ExampleOptions.parse("--max-connections", "1"))
        .hasMessage("--max-connections must be at least 2: 1");
    assertThatThrownBy(() -> ExampleOptions.parse("--bogus", "1")).hasMessage("unknown option: --bogus");
    assertThatThrownBy(() -> ExampleOptions.parse("--port")).hasMessage("--port needs a value");
    assertThatThrownBy(() -> ExampleOptions.parse("--redis", "127.0.0.1:6379"))
        .hasMessage("--redis must be a URI such as redis://127.0.0.1:6379: 127.0.0.1:6379");
  }
}
