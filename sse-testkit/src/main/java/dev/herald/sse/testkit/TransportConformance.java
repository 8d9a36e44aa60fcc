package dev.herald.sse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.Sender;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.core.StreamGroup;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conformance suite, written once and run on every transport: what any transport must answer to any request
 * for a stream, whatever its host. A transport's test class extends it and names its {@link SseHost}; each test
 * starts its own server (with {@code /events} and {@code /stream}, as {@link SseHost} describes) and talks to it on
 * raw sockets, so that every method and header line is sent exactly.
 *
 * <pre>{@code
 * class NettyConformanceIT extends TransportConformance {
 *   @Override
 *   protected SseHost host() {
 *     return new NettyHost();
 *   }
 * }
 * }</pre>
 *
 * <p>What it pins: a stream's status and headers; {@code HEAD} answered as a {@code GET} would be (the same status
 * and headers, refusals included) but with no body, at once, and without subscribing anyone; {@code 405} with
 * {@code Allow} for other methods and an {@code Allow} list for {@code OPTIONS}; one reading of {@code Accept}
 * (RFC 9110, section 12.5.1) over every header line; an empty {@code Last-Event-ID} read as none; {@code 503} with
 * {@code Retry-After} over the client limit and after the broadcaster closed; a shutdown that ends every stream
 * with its last chunk before the server stops. Every check that nobody subscribed
 * runs after the server answered, so it cannot pass before the server did anything.
 */
public abstract class TransportConformance extends HostedSuite {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final String GREETING = "connected";
  private static final String HELLO = "hello";

  /** The {@code Last-Event-ID} of each stream opened at {@code /stream}, in the order they opened. */
  private final Queue<Optional<String>> streamsOpened = new ConcurrentLinkedQueue<>();

  /** For subclasses: a transport's test class that says which host to run the suite on. */
  protected TransportConformance() {}

  // ---- GET ----

  /**
   * A {@code GET} without {@code Accept} opens a stream with the event-stream headers, and its client is subscribed.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void getWithoutAcceptOpensAStreamWithTheEventStreamHeaders() throws Exception {
    Broadcaster broadcaster = broadcaster(greeting());
    RawSseClient client = send(serve(broadcaster), "GET", "/events");

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(200);
    assertEventStreamHeaders(client);
    assertThat(client.awaitEvents(1, DEADLINE)).extracting(MessageEvent::data).containsExactly(GREETING);
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 1, () -> "clients: " + broadcaster.stats());
    broadcaster.broadcast(Data.of("news"));
    assertThat(client.awaitEvents(2, DEADLINE)).extracting(MessageEvent::data).containsExactly(GREETING, "news");
  }

  /**
   * With ids on, a stream gives its client the current position at once, before any event: the last event id an
   * {@code EventSource} would send if it were cut now.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void aStreamGivesItsClientThePositionAtOnce() throws Exception {
    Broadcaster broadcaster = broadcaster(greeting().assignIds(true).firstId(1).history(10).channel(queueOf(10)));
    int port = serve(broadcaster);
    broadcaster.broadcast(Data.of("one"));
    broadcaster.broadcast(Data.of("two"));
    RawSseClient client = send(port, "GET", "/events");

    assertThat(client.awaitEvents(1, DEADLINE)).extracting(MessageEvent::data).containsExactly(GREETING);
    client.awaitLastEventId("2", DEADLINE);
    assertThat(client.parser().events()).hasSize(1); // an id and no event
  }

  /**
   * A {@code GET} on the per-client path opens a stream with the event-stream headers and gives the application
   * its sender.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void getOnTheSenderPathOpensAStreamToThatClient() throws Exception {
    RawSseClient client = send(serve(broadcaster(greeting())), "GET", "/stream");

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(200);
    assertEventStreamHeaders(client);
    assertThat(client.awaitEvents(1, DEADLINE)).extracting(MessageEvent::data).containsExactly(HELLO);
    assertThat(streamsOpened).hasSize(1);
  }

  // ---- HEAD ----

  /**
   * {@code HEAD} gets the stream's status and headers and no body, and the response ends at once: the same
   * kept-alive connection answers the next request.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void headGetsTheStreamHeadersWithoutABodyAndTheConnectionAnswersTheNextRequest() throws Exception {
    Broadcaster broadcaster = broadcaster(greeting());
    RawSseClient client = send(serve(broadcaster), "HEAD", "/events");

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(200);
    assertEventStreamHeaders(client);
    // Had the HEAD's response gone on (a body, or a stream never ended), what follows would not be the next
    // response's status line, or would never come.
    client.send(RawSseClient.request("GET", "/events")).nextResponse();
    assertThat(client.awaitHead(DEADLINE)).as("the answer to the next request on the connection").isEqualTo(200);
    assertThat(client.awaitEvents(1, DEADLINE)).extracting(MessageEvent::data).containsExactly(GREETING);
  }

  /**
   * {@code HEAD} with {@code Connection: close} gets the stream's headers, and then the server closes the
   * connection.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void headWithConnectionCloseIsAnsweredAndTheConnectionClosed() throws Exception {
    RawSseClient client = send(serve(broadcaster(greeting())), "HEAD", "/events", "Connection: close");

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(200);
    assertEventStreamHeaders(client);
    client.awaitClosedByServer(DEADLINE);
  }

  /**
   * Twenty {@code HEAD} requests subscribe nobody: no client is counted, then or ever.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void headRequestsSubscribeNobody() throws Exception {
    Broadcaster broadcaster = broadcaster(greeting());
    int port = serve(broadcaster);
    List<RawSseClient> heads = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      RawSseClient head = send(port, "HEAD", "/events", "Connection: close");
      assertThat(head.awaitHead(DEADLINE)).isEqualTo(200);
      heads.add(head);
    }

    assertThat(broadcaster.clientCount()).as("clients after 20 HEAD requests").isZero();
    assertThat(broadcaster.stats().clientsConnected()).as("subscriptions after 20 HEAD requests").isZero();
    heads.forEach(head -> head.awaitClosedByServer(DEADLINE));
    // A GET after them is counted, once: the counter works, and no HEAD was counted late.
    send(port, "GET", "/events").awaitEvents(1, DEADLINE);
    assertThat(broadcaster.stats().clientsConnected()).as("subscriptions after one GET").isEqualTo(1);
  }

  /**
   * {@code HEAD} on the per-client path gets the stream's headers, and the application's {@code onOpen} is never
   * called for it.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void headOnTheSenderPathNeverOpensAStream() throws Exception {
    int port = serve(broadcaster(greeting()));
    RawSseClient head = send(port, "HEAD", "/stream", "Connection: close");
    assertThat(head.awaitHead(DEADLINE)).isEqualTo(200);
    assertEventStreamHeaders(head);

    // A GET after it opens a stream, so onOpen has run for every request before it that would call it.
    send(port, "GET", "/stream").awaitEvents(1, DEADLINE);
    assertThat(streamsOpened).as("streams opened: the GET's, and none for the HEAD").hasSize(1);
    head.awaitClosedByServer(DEADLINE);
  }

  /**
   * {@code HEAD} is refused with {@code 406} when {@code Accept} excludes event streams, as {@code GET} is.
   *
   * @param path the path asked for
   * @throws Exception if the test cannot run
   */
  @ParameterizedTest
  @ValueSource(strings = {"/events", "/stream"})
  public void headIsRefusedWith406WhenAcceptExcludesEventStreams(String path) throws Exception {
    Broadcaster broadcaster = broadcaster(greeting());
    RawSseClient head = send(serve(broadcaster), "HEAD", path, "Accept: application/json", "Connection: close");

    assertThat(head.awaitHead(DEADLINE)).isEqualTo(406);
    assertThat(broadcaster.stats().clientsConnected()).isZero();
    assertThat(streamsOpened).isEmpty();
  }



  // ---- other methods ----

  /**
   * Methods other than {@code GET}, {@code HEAD} and {@code OPTIONS} get {@code 405} with an {@code Allow} header
   * that lists {@code GET} and {@code HEAD}, and subscribe nobody.
   *
   * @param method the method
   * @throws Exception if the test cannot run
   */
  @ParameterizedTest
  @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH"})
  public void otherMethodsGet405WithAnAllowHeaderAndSubscribeNobody(String method) throws Exception {
    Broadcaster broadcaster = broadcaster(greeting());
    RawSseClient client = send(serve(broadcaster), method, "/events", "Content-Length: 0", "Connection: close");

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(405);
    assertThat(allowed(client)).contains(routesMethodsItself() ? new String[] {"GET"} : new String[] {"GET", "HEAD"});
    assertThat(broadcaster.stats().clientsConnected()).isZero();
  }

  /**
   * Tells whether the host's web framework answers a method the stream's route does not map before Herald sees
   * the request, as Spring MVC does for a {@code @GetMapping} (its {@code 405} lists {@code Allow: GET} alone on
   * some containers). Such a host is held only to a {@code 405} whose {@code Allow} lists {@code GET}.
   *
   * @return {@code false} by default: Herald answers every method
   */
  protected boolean routesMethodsItself() {
    return false;
  }

  /**
   * {@code OPTIONS} gets a success with an {@code Allow} header that lists {@code GET} and {@code HEAD}, and
   * subscribes nobody.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void optionsListsGetAndHeadAndSubscribesNobody() throws Exception {
    Broadcaster broadcaster = broadcaster(greeting());
    RawSseClient client = send(serve(broadcaster), "OPTIONS", "/events", "Connection: close");

    assertThat(client.awaitHead(DEADLINE)).isBetween(200, 299);
    assertThat(allowed(client)).contains("GET", "HEAD");
    assertThat(broadcaster.stats().clientsConnected()).isZero();
  }

  // ---- Accept ----

  static Stream<Arguments> acceptHeaders() {
    return Stream.of(
        accept(200),
        accept(200, "text/event-stream"),
        accept(200, "*/*"),
        accept(200, "text/*"),
        accept(406, "application/json"),
        accept(406, "text/event-stream;q=0"),
        accept(200, "text/event-stream;q=0, text/event-stream"), // equally specific: the highest q wins
        accept(406, "text/event-stream; q =0"), // whitespace around '=' is tolerated
        accept(200, "application/json, */*;q=0.1"),
        accept(200, "application/json", "text/event-stream"), // every header line counts
        accept(406, "text/event-stream;q=0", "*/*")); // the most specific range decides
  }

  private static Arguments accept(int status, String... values) {
    List<String> lines = Arrays.stream(values).map(value -> "Accept: " + value).toList();
    return Arguments.of(Named.of(lines.isEmpty() ? "no Accept" : String.join(" + ", lines), lines), status);
  }

  /**
   * {@code Accept} decides between a stream and {@code 406}, read the same way on every transport; a {@code 406}
   * says why in a line of plain text, and subscribes nobody.
   *
   * @param acceptLines the request's {@code Accept} header lines
   * @param status the status it must get
   * @throws Exception if the test cannot run
   */
  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("acceptHeaders")
  public void acceptHeaderDecidesBetweenAStreamAnd406(List<String> acceptLines, int status) throws Exception {
    Broadcaster broadcaster = broadcaster(greeting());
    RawSseClient client = send(serve(broadcaster), "GET", "/events", acceptLines.toArray(String[]::new));

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(status);
    if (status == 200) {
      assertThat(client.awaitEvents(1, DEADLINE)).extracting(MessageEvent::data).containsExactly(GREETING);
      Probes.await(DEADLINE, () -> broadcaster.clientCount() == 1, () -> "clients: " + broadcaster.stats());
    } else {
      assertThat(mediaType(client.response().header("Content-Type"))).isEqualTo("text/plain");
      assertThat(client.awaitEnd(DEADLINE)).as("the refusal's body ends").isTrue();
      assertThat(client.body()).as("the refusal's reason").isNotBlank();
      assertThat(broadcaster.stats().clientsConnected()).isZero();
    }
  }

  // ---- Last-Event-ID ----

  /**
   * An empty {@code Last-Event-ID} is no resume point: no replay is missed and no {@code reset} is sent.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void emptyLastEventIdIsTheSameAsNone() throws Exception {
    Broadcaster broadcaster = broadcaster(greeting().assignIds(true).firstId(1).history(10).channel(queueOf(10)));
    RawSseClient client = send(serve(broadcaster), "GET", "/events", "Last-Event-ID:");

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(200);
    assertThat(client.awaitEvents(1, DEADLINE)).first().isEqualTo(new MessageEvent("message", GREETING, ""));
    broadcaster.broadcast(Data.of("live"));
    assertThat(client.awaitEvents(2, DEADLINE)).containsExactly(
        new MessageEvent("message", GREETING, ""), new MessageEvent("message", "live", "1"));
    assertThat(broadcaster.stats().replayMisses()).isZero();
  }

  /**
   * An empty {@code Last-Event-ID} reaches the application's sender as none.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void emptyLastEventIdReachesTheSenderAsNone() throws Exception {
    RawSseClient client = send(serve(broadcaster(greeting())), "GET", "/stream", "Last-Event-ID:");

    client.awaitEvents(1, DEADLINE);
    assertThat(streamsOpened).containsExactly(Optional.empty());
  }

  /**
   * A {@code Last-Event-ID} reaches the application's sender unchanged.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void lastEventIdReachesTheSenderUnchanged() throws Exception {
    RawSseClient client = send(serve(broadcaster(greeting())), "GET", "/stream", "Last-Event-ID: 42 a:b");

    client.awaitEvents(1, DEADLINE);
    assertThat(streamsOpened).containsExactly(Optional.of("42 a:b"));
  }

  // ---- limits ----



  /**
   * Over the client limit, {@code GET} and {@code HEAD} are refused with {@code 503} and {@code Retry-After: 5};
   * a {@code GET}'s refusal says why in its body.
   *
   * @param method the method
   * @throws Exception if the test cannot run
   */
  @ParameterizedTest
  @ValueSource(strings = {"GET", "HEAD"})
  public void overTheClientLimitRequestsAreRefusedWith503AndRetryAfter(String method) throws Exception {
    Broadcaster broadcaster = broadcaster(greeting().maxClients(1));
    int port = serve(broadcaster);
    send(port, "GET", "/events").awaitEvents(1, DEADLINE);

    RawSseClient refused = send(port, method, "/events", "Connection: close");
    assertThat(refused.awaitHead(DEADLINE)).isEqualTo(503);
    assertThat(refused.response().header("Retry-After")).isEqualTo("5");
    assertThat(refused.awaitEnd(DEADLINE)).as("the refusal ends").isTrue();
    if (method.equals("GET")) {
      assertThat(refused.body()).as("the refusal's reason").isNotBlank();
    }
    assertThat(broadcaster.stats().clientsConnected()).isEqualTo(1);
  }

  /**
   * After the broadcaster closed, {@code GET} and {@code HEAD} are refused with {@code 503}.
   *
   * @param method the method
   * @throws Exception if the test cannot run
   */
  @ParameterizedTest
  @ValueSource(strings = {"GET", "HEAD"})
  public void afterTheBroadcasterClosedRequestsAreRefusedWith503(String method) throws Exception {
    Broadcaster broadcaster = broadcaster(greeting());
    int port = serve(broadcaster);
    broadcaster.close();

    assertThat(send(port, method, "/events", "Connection: close").awaitHead(DEADLINE)).isEqualTo(503);
  }

  // ---- shutdown ----

  /**
   * A host that stops as Herald's recipes say (end the streams with {@link StreamGroup#shutdownAndAwait}, then stop
   * the server) ends every stream, a broadcaster's and a single client's, with the end of its response rather than
   * a cut connection, and refuses new streams meanwhile.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void aShutdownEndsEveryStreamWithItsLastChunkBeforeTheServerStops() throws Exception {
    StreamGroup group = StreamGroup.create();
    Broadcaster broadcaster = broadcaster(greeting());
    group.include(broadcaster);
    TestServer server = served().server(ServerSetup.of(broadcaster).withOnStream(this::opened)
        .withStreamConfig(StreamConfig.builder().group(group).build()));
    RawSseClient events = send(server.port(), "GET", "/events");
    RawSseClient single = send(server.port(), "GET", "/stream");
    events.awaitEvents(1, DEADLINE);
    single.awaitEvents(1, DEADLINE);
    broadcaster.broadcast(Data.of("last"));
    events.awaitEvents(2, DEADLINE);

    assertThat(group.shutdownAndAwait(DEADLINE)).as("every stream ended in time").isTrue();
    assertThat(send(server.port(), "GET", "/stream", "Connection: close").awaitHead(DEADLINE)).isEqualTo(503);
    server.stop();

    assertThat(events.awaitEnd(DEADLINE)).as("/events ended with its last chunk").isTrue();
    assertThat(single.awaitEnd(DEADLINE)).as("/stream ended with its last chunk").isTrue();
    assertThat(events.parser().events()).extracting(MessageEvent::data).containsExactly(GREETING, "last");
    assertThat(single.parser().events()).extracting(MessageEvent::data).containsExactly(HELLO);
  }

  /**
   * With {@code gzip} on, a client that accepts gzip gets a gzip stream whose every event decodes the moment it is
   * sent, and which a shutdown ends with a valid trailer; the transport serves it as any stream.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void aGzipStreamDecodesEventByEventAndEndsWithAValidTrailer() throws Exception {
    StreamGroup group = StreamGroup.create();
    Broadcaster broadcaster = broadcaster(greeting());
    group.include(broadcaster);
    Queue<Sender> senders = new ConcurrentLinkedQueue<>();
    TestServer server = served().server(ServerSetup.of(broadcaster)
        .withOnStream(sender -> {
          senders.add(sender);
          opened(sender);
        })
        .withStreamConfig(StreamConfig.builder().group(group).gzip(true).build()));
    RawSseClient client = send(server.port(), "GET", "/stream", "Accept-Encoding: gzip, br");

    assertThat(client.awaitHead(DEADLINE)).isEqualTo(200);
    assertThat(client.response().header("Content-Encoding")).isEqualToIgnoringCase("gzip");
    assertThat(client.response().header("Vary")).isEqualToIgnoringCase("accept-encoding");
    assertThat(client.awaitEvents(1, DEADLINE)).extracting(MessageEvent::data).containsExactly(HELLO);
    Sender sender = senders.remove();
    for (int i = 0; i < 5; i++) {
      sender.trySend(Data.of("{\"order\":" + i + ",\"status\":\"shipped\"}"));
      client.awaitEvents(2 + i, DEADLINE); // decoded from what arrived, before the next is sent
    }

    assertThat(group.shutdownAndAwait(DEADLINE)).isTrue();
    assertThat(client.awaitEnd(DEADLINE)).isTrue();
    assertThat(client.gzipEndedCleanly()).as("a final block and a trailer that matches").isTrue();
    assertThat(client.parser().events()).hasSize(6);
  }

  // ---- helpers ----

  private static BroadcasterConfig.Builder greeting() {
    return BroadcasterConfig.builder().greeting(Data.of(GREETING));
  }

  private Broadcaster broadcaster(BroadcasterConfig.Builder config) {
    return served().broadcaster(Broadcasters.create(config.build()));
  }

  /** Starts a server for the broadcaster whose {@code /stream} records each stream and says hello to it. */
  private int serve(Broadcaster broadcaster) throws Exception {
    return served().serve(ServerSetup.of(broadcaster).withOnStream(this::opened));
  }

  private void opened(Sender sender) {
    streamsOpened.add(Optional.ofNullable(sender.lastEventId()));
    sender.trySend(Data.of(HELLO));
  }

  private RawSseClient send(int port, String method, String path, String... headerLines) throws IOException {
    return served().send(port, RawSseClient.request(method, path, headerLines));
  }

  private static void assertEventStreamHeaders(RawSseClient client) {
    HttpResponseDecoder response = client.response();
    assertThat(normalized(response.header("Content-Type"))).as("Content-Type")
        .isEqualTo("text/event-stream;charset=utf-8");
    assertThat(response.header("Cache-Control")).as("Cache-Control").isEqualToIgnoringCase("no-cache");
    assertThat(response.header("X-Accel-Buffering")).as("X-Accel-Buffering").isEqualToIgnoringCase("no");
    assertThat(response.header("Content-Length")).as("Content-Length").isNull();
  }

  /** A media type with its parameters, lower case, without spaces or quotes: {@code text/x;charset=utf-8}. */
  static @Nullable String normalized(@Nullable String contentType) {
    return contentType == null ? null
        : contentType.toLowerCase(Locale.ROOT).replace(" ", "").replace("\t", "").replace("\"", "");
  }

  static @Nullable String mediaType(@Nullable String contentType) {
    String normalized = normalized(contentType);
    return normalized == null ? null : normalized.split(";", 2)[0];
  }

  private static List<String> allowed(RawSseClient client) {
    return methods(client.response().header("Allow"));
  }

  /** The methods an {@code Allow} header lists, upper case. */
  static List<String> methods(@Nullable String allow) {
    assertThat(allow).as("the Allow header").isNotNull();
    return Arrays.stream(allow.split(",")).map(method -> method.trim().toUpperCase(Locale.ROOT)).toList();
  }

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }
}
