package dev.herald.sse.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.Sender;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.testkit.TestServer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The servlet transport over real sockets, against a real container; each subclass runs every test on its own
 * container. The client is OkHttp's {@code EventSource} (or a raw socket where a client must misbehave).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractServletSseIT {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final BroadcasterConfig QUIET = BroadcasterConfig.builder().heartbeat(Duration.ZERO).build();

  private final Router router = new Router();
  private final Broadcaster servletBroadcaster = Broadcasters.create(QUIET);
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private final AtomicInteger names = new AtomicInteger();
  private TestServer server;
  private OkHttpClient client;

  /** Starts the container under test with these servlets, each mapped at its path and async-supported. */
  abstract TestServer start(Map<String, HttpServlet> servlets) throws Exception;

  @BeforeAll
  void startServer() throws Exception {
    server = start(Map.of("/route/*", router, "/servlet", new SseServlet(servletBroadcaster)));
    client = new OkHttpClient.Builder().readTimeout(DEADLINE).build();
  }

  @AfterAll
  void stopServer() throws Exception {
    servletBroadcaster.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
    server.stop();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : cleanup) {
      c.close();
    }
    cleanup.clear();
  }

  // ---- the tests ----

  @Test
  void headersAreFlushedAtOnceAndEventsFollowAsWritten() throws IOException {
    Broadcaster broadcaster = broadcaster(QUIET);
    String path = serve(broadcaster);
    try (Response response = client.newCall(request(path).build()).execute()) {
      // execute() returns when the headers arrive: before any event, so they were flushed at once.
      assertEventStreamHead(response);

      broadcaster.broadcast(Data.of("x").withName("n").withId("1"));
      var body = response.body().source();
      assertThat(body.readUtf8Line()).isEqualTo("id: 1");
      assertThat(body.readUtf8Line()).isEqualTo("event: n");
      assertThat(body.readUtf8Line()).isEqualTo("data: x");
      assertThat(body.readUtf8Line()).isEmpty();
    }
  }

  @Test
  void multiLineDataUnicodeNamesAndIdsArriveIntact() {
    Broadcaster broadcaster = broadcaster(QUIET);
    Recorder events = connect(serve(broadcaster), null);
    events.awaitOpen();

    broadcaster.broadcast(Data.of("one\ntwo\r\nthree\rfour"));
    broadcaster.broadcast(Data.of("héllo wörld ✓ 🌍 中文").withName("greeting").withId("7"));
    broadcaster.broadcast(Data.of(" leading space\n\nblank line above").withId("ü-8"));
    broadcaster.broadcast(Data.of(""));

    assertThat(events.next()).isEqualTo(new Received(null, "message", "one\ntwo\nthree\nfour"));
    assertThat(events.next()).isEqualTo(new Received("7", "greeting", "héllo wörld ✓ 🌍 中文"));
    assertThat(events.next()).isEqualTo(new Received("ü-8", "message", " leading space\n\nblank line above"));
    assertThat(events.next()).isEqualTo(new Received("ü-8", "message", ""));
  }

  @Test
  void queuedBurstOfSmallAndLargeEventsArrivesWholeAndInOrder() {
    // A drain writes the frames queued behind the first as one batch; events as large as a batch, and ones that
    // do not fit the rest of it, are written whole too, in their place.
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ZERO).channel(queueOf(1_000)).build());
    Recorder events = connect(serve(broadcaster), null);
    events.awaitOpen();
    await(() -> broadcaster.clientCount() == 1, "the client to subscribe");

    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      int size = i % 101 == 50 ? 20_000 : i % 37 == 5 ? 6_000 : 40 + i % 23;
      String data = i + ":" + "abcdefghijklmnopqrstuvwxyz".repeat(size / 26 + 1).substring(0, size);
      sent.add(data);
      assertThat(broadcaster.broadcast(Data.of(data))).isEqualTo(1);
    }

    assertThat(events.next(sent.size())).extracting(Received::data).containsExactlyElementsOf(sent);
  }

  @Test
  void lastEventIdReplaysWhatTheClientMissedThenLiveEvents() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ZERO).assignIds(true).firstId(1).history(100).channel(queueOf(100)).build());
    String path = serve(broadcaster);
    for (int i = 1; i <= 5; i++) {
      broadcaster.broadcast(Data.of("event " + i));
    }

    Recorder events = connect(path, "2");
    assertThat(events.next()).isEqualTo(new Received("3", "message", "event 3"));
    assertThat(events.next()).isEqualTo(new Received("4", "message", "event 4"));
    assertThat(events.next()).isEqualTo(new Received("5", "message", "event 5"));
    broadcaster.broadcast(Data.of("event 6"));
    assertThat(events.next()).isEqualTo(new Received("6", "message", "event 6"));
    assertThat(broadcaster.stats().replayHits()).isEqualTo(1);
  }

  @Test
  void closingTheBroadcasterDeliversWhatIsQueuedThenEndsTheStream() throws IOException {
    Broadcaster broadcaster = broadcaster(QUIET);
    String path = serve(broadcaster);
    Recorder events = connect(path, null);
    events.awaitOpen();

    broadcaster.broadcast(Data.of("last words"));
    broadcaster.broadcast(Data.of("really last"));
    broadcaster.close();

    assertThat(events.next().data()).isEqualTo("last words");
    assertThat(events.next().data()).isEqualTo("really last");
    events.awaitClosed();
    try (Response refused = client.newCall(request(path).build()).execute()) {
      assertThat(refused.code()).isEqualTo(503);
    }
  }

  @Test
  void senderStreamCarriesLastEventIdSendsAndCloses() {
    BlockingQueue<Sender> opened = new LinkedBlockingQueue<>();
    String path = route((request, response) -> ServletSse.stream(request, response, sender -> {
          sender.send(Data.of("hello " + sender.lastEventId()));
          opened.add(sender);
        }));
    Recorder events = connect(path, "41");
    Sender sender = take(opened);
    CompletableFuture<CloseReason> closed = new CompletableFuture<>();
    sender.onClose(closed::complete);

    assertThat(events.next().data()).isEqualTo("hello 41");
    sender.send(Data.of("two\nlines").withId("42"));
    sender.close();
    assertThat(events.next()).isEqualTo(new Received("42", "message", "two\nlines"));
    events.awaitClosed();
    assertThat(closed.join()).isEqualTo(CloseReason.SERVER_CLOSED);
  }

  @Test
  void clientThatDisconnectsIsDroppedAtTheFirstFailedWrite() {
    // Neither Jetty nor Tomcat watches an async request's socket while nothing is read or written, so a client
    // that leaves an idle stream is found by the next write: the engine must drop it then, not at a later sweep.
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ZERO).greeting(Data.of("hi")).build());
    Recorder events = connect(serve(broadcaster), null);
    assertThat(events.next().data()).isEqualTo("hi");
    BlockingQueue<Sender> opened = new LinkedBlockingQueue<>();
    Recorder alone = connect(route((request, response) ->
        ServletSse.stream(request, response, opened::add)), null);
    alone.awaitOpen();
    Sender sender = take(opened);
    CompletableFuture<CloseReason> closed = new CompletableFuture<>();
    sender.onClose(closed::complete);

    events.source.cancel();
    alone.source.cancel();

    // The first write after the peer closed is taken by the kernel (the peer answers it with a reset); one of the
    // next few fails, and that failure removes the client at once.
    for (int i = 0; i < 50 && broadcaster.clientCount() > 0; i++) {
      broadcaster.broadcast(Data.of("anyone there? " + i));
      awaitAtMost(Duration.ofMillis(100), () -> broadcaster.clientCount() == 0);
    }
    for (int i = 0; i < 50 && !closed.isDone(); i++) {
      sender.trySend(Data.of("anyone there? " + i));
      awaitAtMost(Duration.ofMillis(100), closed::isDone);
    }
    assertThat(broadcaster.clientCount()).isZero();
    assertThat(broadcaster.stats().slowClientsDisconnected()).isZero();
    assertThat(closed.getNow(null)).isEqualTo(CloseReason.CLIENT_GONE);
  }

  @Test
  void heartbeatFindsAClientThatLeftAnIdleStream() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ofMillis(100)).greeting(Data.of("hi")).build());
    Recorder events = connect(serve(broadcaster), null);
    assertThat(events.next().data()).isEqualTo("hi");

    events.source.cancel();

    await(() -> broadcaster.clientCount() == 0, "the heartbeat's failed write to drop the client");
  }

  @Test
  void clientThatStopsReadingIsDisconnectedAndDoesNotDelayOthers() throws IOException {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ZERO)
        .channel(queueOf(16))
        .build());
    String path = serve(broadcaster);
    Recorder reader = connect(path, null);
    reader.awaitOpen();
    stalledClient(path);
    await(() -> broadcaster.clientCount() == 2, "both clients to subscribe");

    // Far more than the stalled client's socket buffers and queue hold; the reader keeps up with every event.
    String payload = "x".repeat(8 * 1024);
    int count = 600;
    for (int i = 0; i < count; i++) {
      broadcaster.broadcast(Data.of(payload).withId(Integer.toString(i)));
      Received received = reader.next();
      assertThat(received.id()).isEqualTo(Integer.toString(i));
      assertThat(received.data()).hasSize(payload.length());
    }

    assertThat(broadcaster.stats().slowClientsDisconnected()).isEqualTo(1);
    await(() -> broadcaster.clientCount() == 1, "the stalled client to be dropped");
    assertThat(broadcaster.stats().framesPending()).isZero();
  }

  @Test
  void clientOverTheLimitGets503WithRetryAfter() throws IOException {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().heartbeat(Duration.ZERO).maxClients(1).build());
    String path = serve(broadcaster);
    connect(path, null).awaitOpen();

    try (Response refused = client.newCall(request(path).build()).execute()) {
      assertThat(refused.code()).isEqualTo(503);
      assertThat(refused.header("Retry-After")).isEqualTo("5");
    }
    assertThat(broadcaster.clientCount()).isEqualTo(1);
  }

  @Test
  void acceptHeaderThatExcludesEventStreamGets406() throws IOException {
    Broadcaster broadcaster = broadcaster(QUIET);
    String path = serve(broadcaster);
    try (Response refused = client.newCall(request(path).header("Accept", "application/json").build()).execute()) {
      assertThat(refused.code()).isEqualTo(406);
    }
    try (Response accepted = client.newCall(request(path).header("Accept", "text/*").build()).execute()) {
      assertThat(accepted.code()).isEqualTo(200);
    }
    assertThat(broadcaster.stats().clientsConnected()).isEqualTo(1);
  }

  @Test
  void sseServletStreamsOnGetAnswersHeadWithHeadersAndRefusesPost() throws IOException {
    Recorder events = connect("/servlet", null);
    events.awaitOpen();
    servletBroadcaster.broadcast(Data.of("from the servlet"));
    assertThat(events.next().data()).isEqualTo("from the servlet");

    try (Response head = client.newCall(request("/servlet").head().build()).execute()) {
      assertThat(head.code()).isEqualTo(200);
      assertThat(head.header("Content-Type")).startsWith("text/event-stream");
      assertThat(head.header("Cache-Control")).isEqualTo("no-cache");
    }
    try (Response post = client.newCall(request("/servlet")
        .post(okhttp3.RequestBody.create(new byte[0], null)).build()).execute()) {
      assertThat(post.code()).isEqualTo(405);
    }
  }

  @Test
  void manyConnectsAndDisconnectsLeaveNoClientBehind() {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ofMillis(100)).greeting(Data.of("hi")).build());
    String path = serve(broadcaster);
    int cycles = 40;
    for (int i = 0; i < cycles; i++) {
      Recorder events = connect(path, null);
      assertThat(events.next().data()).isEqualTo("hi");
      events.source.cancel();
    }
    await(() -> broadcaster.clientCount() == 0, "every client to be dropped");
    assertThat(broadcaster.stats().clientsConnected()).isEqualTo(cycles);
    assertThat(broadcaster.stats().framesPending()).isZero();
  }

  // ---- helpers ----

  /** Asserts the status and headers of an open event stream, as the design asks for them. */
  static void assertEventStreamHead(Response response) {
    assertThat(response.code()).isEqualTo(200);
    assertThat(response.header("Content-Type")).isNotNull();
    assertThat(response.header("Content-Type").toLowerCase(Locale.ROOT).replace(" ", ""))
        .isEqualTo("text/event-stream;charset=utf-8");
    assertThat(response.header("Cache-Control")).isEqualTo("no-cache");
    assertThat(response.header("X-Accel-Buffering")).isEqualTo("no");
    assertThat(response.header("Content-Length")).isNull();
    assertThat(response.header("Transfer-Encoding")).isEqualToIgnoringCase("chunked");
  }

  private Broadcaster broadcaster(BroadcasterConfig config) {
    Broadcaster broadcaster = Broadcasters.create(config);
    cleanup.add(broadcaster);
    return broadcaster;
  }

  private String serve(Broadcaster broadcaster) {
    return route((request, response) -> ServletSse.serve(request, response, broadcaster));
  }

  private String route(Handler handler) {
    String name = "h" + names.incrementAndGet();
    router.handlers.put(name, handler);
    return "/route/" + name;
  }

  private Request.Builder request(String path) {
    return new Request.Builder().url("http://127.0.0.1:" + server.port() + path);
  }

  private Recorder connect(String path, @Nullable String lastEventId) {
    Recorder recorder = Recorder.open(client, request(path), lastEventId);
    cleanup.add(recorder.source::cancel);
    return recorder;
  }

  /** Opens a stream on a raw socket with a tiny receive buffer, and never reads it. */
  private Socket stalledClient(String path) throws IOException {
    Socket socket = new Socket();
    cleanup.add(socket);
    socket.setReceiveBufferSize(2048);
    socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  private static <T> T take(BlockingQueue<T> queue) {
    try {
      T item = queue.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      if (item == null) {
        fail("nothing arrived within " + DEADLINE);
      }
      return item;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static boolean awaitAtMost(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    return true;
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  /** Handles one routed request. */
  @FunctionalInterface
  interface Handler {
    void handle(HttpServletRequest request, HttpServletResponse response) throws IOException;
  }

  /** Sends {@code /route/<name>} to the handler registered under that name, so tests share one server. */
  static final class Router extends HttpServlet {
    private static final long serialVersionUID = 1L;
    final transient ConcurrentMap<String, Handler> handlers = new ConcurrentHashMap<>();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      Handler handler = handlers.get(request.getPathInfo().substring(1));
      if (handler == null) {
        response.sendError(404);
      } else {
        handler.handle(request, response);
      }
    }
  }

  /** One event as the client dispatched it. */
  record Received(@Nullable String id, String type, String data) {}

  /** Records what an {@code EventSource} sees, in order. */
  static final class Recorder extends EventSourceListener {
    private static final Object OPEN = "open";
    private static final Object CLOSED = "closed";
    private final BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
    EventSource source;

    /** Opens an {@code EventSource} for the request, resuming after an id if one is given, and records it. */
    static Recorder open(OkHttpClient client, Request.Builder request, @Nullable String lastEventId) {
      if (lastEventId != null) {
        request.header("Last-Event-ID", lastEventId);
      }
      Recorder recorder = new Recorder();
      recorder.source = EventSources.createFactory(client).newEventSource(request.build(), recorder);
      return recorder;
    }

    @Override
    public void onOpen(EventSource eventSource, Response response) {
      seen.add(OPEN);
    }

    @Override
    public void onEvent(EventSource eventSource, @Nullable String id, @Nullable String type, String data) {
      seen.add(new Received(id, type == null ? "message" : type, data));
    }

    @Override
    public void onClosed(EventSource eventSource) {
      seen.add(CLOSED);
    }

    @Override
    public void onFailure(EventSource eventSource, @Nullable Throwable t, @Nullable Response response) {
      seen.add(new AssertionError("the stream failed" + (response == null ? "" : ": " + response.code()), t));
    }

    void awaitOpen() {
      expect(OPEN);
    }

    void awaitClosed() {
      Object item = nextItem();
      while (item instanceof Received) {
        item = nextItem(); // events still in flight before the end
      }
      assertThat(item).isEqualTo(CLOSED);
    }

    Received next() {
      Object item = nextItem();
      if (item == OPEN) {
        item = nextItem();
      }
      if (item instanceof AssertionError failure) {
        throw failure;
      }
      assertThat(item).isInstanceOf(Received.class);
      return (Received) item;
    }

    /** Returns the next events, in order. */
    List<Received> next(int count) {
      List<Received> events = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        events.add(next());
      }
      return events;
    }

    private void expect(Object expected) {
      Object item = nextItem();
      if (item instanceof AssertionError failure) {
        throw failure;
      }
      assertThat(item).isEqualTo(expected);
    }

    private Object nextItem() {
      return take(seen);
    }
  }

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  private static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }
}
