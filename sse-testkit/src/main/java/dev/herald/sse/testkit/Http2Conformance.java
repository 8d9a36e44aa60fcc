package dev.herald.sse.testkit;

import static dev.herald.sse.testkit.TransportConformance.queueOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.Sender;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.core.StreamGroup;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conformance suite over HTTP/2, written once and run on every transport, over h2 (TLS, ALPN) and over h2c
 * (prior knowledge), with {@link OkHttpSseClient}: what {@link TransportConformance} pins over HTTP/1.1, asked of
 * the same routes on HTTP/2 streams, every stream of a test on one connection. A transport's test class extends it,
 * says which {@link Mode} its host serves and names the host; over {@link Mode#H2} the host presents
 * {@link TestCertificate#get()}.
 *
 * <pre>{@code
 * class NettyH2cConformanceIT extends Http2Conformance {
 *   NettyH2cConformanceIT() {
 *     super(Mode.H2C);
 *   }
 *
 *   @Override
 *   protected SseHost host() {
 *     return NettyHost.overHttp2Cleartext();
 *   }
 * }
 * }</pre>
 *
 * <p>What it leaves to {@link TransportConformance}: {@code Connection: close} (a connection-specific header, which
 * makes an HTTP/2 request malformed, RFC 9113 section 8.2.2) and what follows from it; the last chunk of a chunked
 * body, which HTTP/2 replaces with {@code END_STREAM}, checked here instead. What it adds: many streams on one
 * connection, and a stream the client resets ({@code RST_STREAM}) leaving its broadcaster while the connection and
 * its other streams go on.
 */
public abstract class Http2Conformance extends HostedSuite {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final String GREETING = "connected";
  private static final String HELLO = "hello";

  /** How the suite's client reaches the host, which must serve it that way. */
  public enum Mode {
    /** h2 over TLS, chosen by ALPN; the host presents {@link TestCertificate#get()}. */
    H2,
    /** Cleartext HTTP/2 by prior knowledge: the client's first bytes are HTTP/2's preface. */
    H2C
  }

  private final Mode mode;
  private final OkHttpClient http;
  private final List<OkHttpSseClient> clients = new ArrayList<>();
  /** The {@code Last-Event-ID} of each stream opened at {@code /stream}, in the order they opened. */
  private final Queue<Optional<String>> streamsOpened = new ConcurrentLinkedQueue<>();

  /**
   * For subclasses: a transport's test class says how its host serves HTTP/2.
   *
   * @param mode h2 over TLS or h2c
   */
  protected Http2Conformance(Mode mode) {
    this.mode = mode;
    this.http = mode == Mode.H2 ? OkHttpSseClient.h2(TestCertificate.get()) : OkHttpSseClient.h2c();
  }

  @AfterEach
  final void closeClients() {
    clients.forEach(OkHttpSseClient::close);
    OkHttpSseClient.shutdown(http);
  }

  // ---- GET ----

  /**
   * A {@code GET} opens a stream with the event-stream headers over the negotiated HTTP/2, and its client is
   * subscribed and hears a broadcast.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void getOpensAStreamWithTheEventStreamHeadersOverHttp2() throws Exception {
    Broadcaster broadcaster = broadcaster(greeting());
    OkHttpSseClient client = send(serve(broadcaster), "GET", "/events", "Accept: text/event-stream");

    assertThat(client.status()).isEqualTo(200);
    assertThat(client.protocol()).isEqualTo(mode == Mode.H2 ? Protocol.HTTP_2 : Protocol.H2_PRIOR_KNOWLEDGE);
    assertEventStreamHeaders(client);
    assertThat(client.awaitEvents(1)).extracting(MessageEvent::data).containsExactly(GREETING);
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 1, () -> "clients: " + broadcaster.stats());
    broadcaster.broadcast(Data.of("news"));
    assertThat(client.awaitEvents(2)).extracting(MessageEvent::data).containsExactly(GREETING, "news");
  }

  /**
   * With ids on, a stream gives its client the current position at once, before any event.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void aStreamGivesItsClientThePositionAtOnce() throws Exception {
    Broadcaster broadcaster = broadcaster(greeting().assignIds(true).firstId(1).history(10).channel(queueOf(10)));
    int port = serve(broadcaster);
    broadcaster.broadcast(Data.of("one"));
    broadcaster.broadcast(Data.of("two"));
    OkHttpSseClient client = send(port, "GET", "/events");

    assertThat(client.awaitEvents(1)).extracting(MessageEvent::data).containsExactly(GREETING);
    client.awaitLastEventId("2");
    assertThat(client.events()).hasSize(1); // an id and no event
  }

  /**
   * A {@code GET} on the per-client path opens a stream and gives the application its sender.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void getOnTheSenderPathOpensAStreamToThatClient() throws Exception {
    OkHttpSseClient client = send(serve(broadcaster(greeting())), "GET", "/stream");

    assertThat(client.status()).isEqualTo(200);
    assertEventStreamHeaders(client);
    assertThat(client.awaitEvents(1)).extracting(MessageEvent::data).containsExactly(HELLO);
    assertThat(streamsOpened).hasSize(1);
  }

  /**
   * Fifty streams share one connection, each subscribed, each hearing a broadcast: past HTTP/1.1's six connections
   * per origin.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void fiftyStreamsShareOneConnection() throws Exception {
    Broadcaster broadcaster = broadcaster(greeting());
    int port = serve(broadcaster);
    List<OkHttpSseClient> tabs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      tabs.add(send(port, "GET", i % 2 == 0 ? "/events" : "/stream"));
    }
    tabs.forEach(tab -> tab.awaitEvents(1));
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 25, () -> "clients: " + broadcaster.stats());
    broadcaster.broadcast(Data.of("to every tab"));

    for (int i = 0; i < 50; i += 2) {
      assertThat(tabs.get(i).awaitEvents(2)).extracting(MessageEvent::data).containsExactly(GREETING, "to every tab");
    }
    assertThat(streamsOpened).hasSize(25);
    assertThat(tabs).extracting(OkHttpSseClient::connection).as("fifty streams, one connection")
        .containsOnly(tabs.get(0).connection());
  }

  /**
   * A client that resets its stream ({@code RST_STREAM}) leaves its broadcaster at once, while the connection and
   * the stream beside it go on.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void aStreamTheClientResetsLeavesAtOnceAndItsNeighbourGoesOn() throws Exception {
    Broadcaster broadcaster = broadcaster(greeting().heartbeat(Duration.ZERO));
    int port = serve(broadcaster);
    OkHttpSseClient left = send(port, "GET", "/events");
    OkHttpSseClient stays = send(port, "GET", "/events");
    left.awaitEvents(1);
    stays.awaitEvents(1);
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 2, () -> "clients: " + broadcaster.stats());

    left.close(); // RST_STREAM (CANCEL); nothing is broadcast, so the server learns of it from the reset alone

    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 1, () -> "clients: " + broadcaster.stats());
    broadcaster.broadcast(Data.of("after the reset"));
    assertThat(stays.awaitEvents(2)).extracting(MessageEvent::data).containsExactly(GREETING, "after the reset");
    OkHttpSseClient next = send(port, "GET", "/events");
    assertThat(next.awaitEvents(1)).extracting(MessageEvent::data).containsExactly(GREETING);
    assertThat(next.connection()).as("the reset kept the connection").isSameAs(stays.connection());
  }

  // ---- HEAD ----

  /**
   * {@code HEAD} gets the stream's status and headers, and its stream ends at once with no body; the same
   * connection answers the next request.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void headGetsTheStreamHeadersAndEndsAtOnceOnAConnectionThatGoesOn() throws Exception {
    Broadcaster broadcaster = broadcaster(greeting());
    int port = serve(broadcaster);
    OkHttpSseClient head = send(port, "HEAD", "/events");

    assertThat(head.status()).isEqualTo(200);
    assertEventStreamHeaders(head);
    assertThat(head.awaitEnd()).as("the HEAD's stream ended with END_STREAM").isTrue();
    assertThat(head.body()).isEmpty();
    OkHttpSseClient get = send(port, "GET", "/events");
    assertThat(get.awaitEvents(1)).extracting(MessageEvent::data).containsExactly(GREETING);
    assertThat(get.connection()).isSameAs(head.connection());
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
    for (int i = 0; i < 20; i++) {
      OkHttpSseClient head = send(port, "HEAD", "/events");
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.awaitEnd()).isTrue();
    }

    assertThat(broadcaster.clientCount()).as("clients after 20 HEAD requests").isZero();
    assertThat(broadcaster.stats().clientsConnected()).as("subscriptions after 20 HEAD requests").isZero();
    send(port, "GET", "/events").awaitEvents(1);
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
    OkHttpSseClient head = send(port, "HEAD", "/stream");
    assertThat(head.status()).isEqualTo(200);
    assertEventStreamHeaders(head);
    assertThat(head.awaitEnd()).isTrue();

    send(port, "GET", "/stream").awaitEvents(1);
    assertThat(streamsOpened).as("streams opened: the GET's, and none for the HEAD").hasSize(1);
  }

  /**
   * {@code HEAD} is refused with {@code 406} when {@code Accept} excludes event streams, as {@code GET} is, and
   * the refusal has no body: no {@code DATA} frame may follow the headers of a response to {@code HEAD}.
   *
   * @param path the path asked for
   * @throws Exception if the test cannot run
   */
  @ParameterizedTest
  @ValueSource(strings = {"/events", "/stream"})
  public void headIsRefusedWith406WhenAcceptExcludesEventStreams(String path) throws Exception {
    Broadcaster broadcaster = broadcaster(greeting());
    OkHttpSseClient head = send(serve(broadcaster), "HEAD", path, "Accept: application/json");

    assertThat(head.status()).isEqualTo(406);
    assertThat(head.awaitEnd()).as("a HEAD's refusal ends without DATA, not cut by %s", head.cut()).isTrue();
    assertThat(head.body()).isEmpty();
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
    OkHttpSseClient client = send(serve(broadcaster), method, "/events");

    assertThat(client.status()).isEqualTo(405);
    assertThat(allowed(client)).contains("GET", "HEAD");
    assertThat(broadcaster.stats().clientsConnected()).isZero();
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
    OkHttpSseClient client = send(serve(broadcaster), "OPTIONS", "/events");

    assertThat(client.status()).isBetween(200, 299);
    assertThat(allowed(client)).contains("GET", "HEAD");
    assertThat(broadcaster.stats().clientsConnected()).isZero();
  }

  // ---- Accept ----

  /**
   * {@code Accept} decides between a stream and {@code 406} as over HTTP/1.1, each header line a field of its own;
   * a {@code 406} says why in plain text and subscribes nobody.
   *
   * @param acceptLines the request's {@code Accept} header lines
   * @param status the status it must get
   * @throws Exception if the test cannot run
   */
  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("dev.herald.sse.testkit.TransportConformance#acceptHeaders")
  public void acceptHeaderDecidesBetweenAStreamAnd406(List<String> acceptLines, int status) throws Exception {
    Broadcaster broadcaster = broadcaster(greeting());
    OkHttpSseClient client = send(serve(broadcaster), "GET", "/events", acceptLines.toArray(String[]::new));

    assertThat(client.status()).isEqualTo(status);
    if (status == 200) {
      assertThat(client.awaitEvents(1)).extracting(MessageEvent::data).containsExactly(GREETING);
      Probes.await(DEADLINE, () -> broadcaster.clientCount() == 1, () -> "clients: " + broadcaster.stats());
    } else {
      assertThat(TransportConformance.mediaType(client.header("Content-Type"))).isEqualTo("text/plain");
      assertThat(client.awaitEnd()).as("the refusal's body ends").isTrue();
      assertThat(client.body()).as("the refusal's reason").isNotBlank();
      assertThat(broadcaster.stats().clientsConnected()).isZero();
    }
  }

  // ---- Last-Event-ID ----

  /**
   * An empty {@code Last-Event-ID} is no resume point: no replay is missed.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void emptyLastEventIdIsTheSameAsNone() throws Exception {
    Broadcaster broadcaster = broadcaster(greeting().assignIds(true).firstId(1).history(10).channel(queueOf(10)));
    OkHttpSseClient client = send(serve(broadcaster), "GET", "/events", "Last-Event-ID:");

    assertThat(client.awaitEvents(1)).first().isEqualTo(new MessageEvent("message", GREETING, ""));
    broadcaster.broadcast(Data.of("live"));
    assertThat(client.awaitEvents(2)).containsExactly(
        new MessageEvent("message", GREETING, ""), new MessageEvent("message", "live", "1"));
    assertThat(broadcaster.stats().replayMisses()).isZero();
  }

  /**
   * A {@code Last-Event-ID} reaches the application's sender unchanged, and an empty one as none.
   *
   * @param value the header's value
   * @throws Exception if the test cannot run
   */
  @ParameterizedTest
  @ValueSource(strings = {"42 a:b", ""})
  public void lastEventIdReachesTheSenderUnchanged(String value) throws Exception {
    OkHttpSseClient client = send(serve(broadcaster(greeting())), "GET", "/stream", "Last-Event-ID: " + value);

    client.awaitEvents(1);
    assertThat(streamsOpened).containsExactly(value.isEmpty() ? Optional.empty() : Optional.of(value));
  }

  // ---- limits ----

  /**
   * Over the client limit, {@code GET} and {@code HEAD} are refused with {@code 503} and {@code Retry-After: 5}.
   *
   * @param method the method
   * @throws Exception if the test cannot run
   */
  @ParameterizedTest
  @ValueSource(strings = {"GET", "HEAD"})
  public void overTheClientLimitRequestsAreRefusedWith503AndRetryAfter(String method) throws Exception {
    Broadcaster broadcaster = broadcaster(greeting().maxClients(1));
    int port = serve(broadcaster);
    send(port, "GET", "/events").awaitEvents(1);

    OkHttpSseClient refused = send(port, method, "/events");
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.header("Retry-After")).isEqualTo("5");
    assertThat(refused.awaitEnd()).as("the refusal ends, not cut by %s", refused.cut()).isTrue();
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

    assertThat(send(port, method, "/events").status()).isEqualTo(503);
  }

  // ---- shutdown ----

  /**
   * A host that stops as Herald's recipes say ends every stream, a broadcaster's and a single client's, with
   * {@code END_STREAM} rather than a reset, refuses new streams meanwhile, and then closes the connection.
   *
   * @throws Exception if the test cannot run
   */
  @Test
  public void aShutdownEndsEveryStreamWithEndStreamThenTheConnectionCloses() throws Exception {
    StreamGroup group = StreamGroup.create();
    Broadcaster broadcaster = broadcaster(greeting());
    group.include(broadcaster);
    TestServer server = served().server(ServerSetup.of(broadcaster).withOnStream(this::opened)
        .withStreamConfig(StreamConfig.builder().group(group).build()));
    OkHttpSseClient events = send(server.port(), "GET", "/events");
    OkHttpSseClient single = send(server.port(), "GET", "/stream");
    events.awaitEvents(1);
    single.awaitEvents(1);
    broadcaster.broadcast(Data.of("last"));
    events.awaitEvents(2);

    assertThat(group.shutdownAndAwait(DEADLINE)).as("every stream ended in time").isTrue();
    assertThat(events.awaitEnd()).as("/events ended with END_STREAM").isTrue();
    assertThat(single.awaitEnd()).as("/stream ended with END_STREAM").isTrue();
    assertThat(send(server.port(), "GET", "/stream").status()).isEqualTo(503);
    server.stop();

    Probes.await(DEADLINE, events::connectionClosed, () -> "the connection stayed open after the server stopped");
    assertThat(events.data()).containsExactly(GREETING, "last");
    assertThat(single.data()).containsExactly(HELLO);
  }

  /**
   * With {@code gzip} on, a client that accepts gzip gets a gzip stream whose every event decodes the moment it is
   * sent, and which a shutdown ends with a valid trailer and {@code END_STREAM}.
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
    OkHttpSseClient client = send(server.port(), "GET", "/stream", "Accept-Encoding: gzip, br");

    assertThat(client.status()).isEqualTo(200);
    assertThat(client.header("Content-Encoding")).isEqualToIgnoringCase("gzip");
    assertThat(client.header("Vary")).isEqualToIgnoringCase("accept-encoding");
    assertThat(client.awaitEvents(1)).extracting(MessageEvent::data).containsExactly(HELLO);
    Sender sender = senders.remove();
    for (int i = 0; i < 5; i++) {
      sender.trySend(Data.of("{\"order\":" + i + ",\"status\":\"shipped\"}"));
      client.awaitEvents(2 + i); // decoded from what arrived, before the next is sent
    }

    assertThat(group.shutdownAndAwait(DEADLINE)).isTrue();
    assertThat(client.awaitEnd()).isTrue();
    assertThat(client.gzipEndedCleanly()).as("a final block and a trailer that matches").isTrue();
    assertThat(client.events()).hasSize(6);
  }

  // ---- helpers ----

  private static BroadcasterConfig.Builder greeting() {
    return BroadcasterConfig.builder().greeting(Data.of(GREETING));
  }

  private Broadcaster broadcaster(BroadcasterConfig.Builder config) {
    return served().broadcaster(Broadcasters.create(config.build()));
  }

  private int serve(Broadcaster broadcaster) throws Exception {
    return served().serve(ServerSetup.of(broadcaster).withOnStream(this::opened));
  }

  private void opened(Sender sender) {
    streamsOpened.add(Optional.ofNullable(sender.lastEventId()));
    sender.trySend(Data.of(HELLO));
  }

  private OkHttpSseClient send(int port, String method, String path, String... headerLines) {
    String scheme = mode == Mode.H2 ? "https" : "http";
    OkHttpSseClient client = OkHttpSseClient.open(http, scheme + "://127.0.0.1:" + port + path, method, headerLines);
    clients.add(client);
    return client;
  }

  private static void assertEventStreamHeaders(OkHttpSseClient client) {
    assertThat(TransportConformance.normalized(client.header("Content-Type"))).as("Content-Type")
        .isEqualTo("text/event-stream;charset=utf-8");
    assertThat(client.header("Cache-Control")).as("Cache-Control").isEqualToIgnoringCase("no-cache");
    assertThat(client.header("X-Accel-Buffering")).as("X-Accel-Buffering").isEqualToIgnoringCase("no");
    assertThat(client.header("Content-Length")).as("Content-Length").isNull();
  }

  private static List<String> allowed(OkHttpSseClient client) {
    return TransportConformance.methods(client.header("Allow"));
  }
}
