package dev.herald.sse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reliability suite, written once and run on every transport: faults, bad input and load over real sockets on
 * 127.0.0.1. A transport's test class extends it and names its {@link SseHost}, which starts a server that serves a
 * broadcaster at {@code /events}; the same host runs {@link TransportConformance}. Clients are raw sockets
 * ({@link RawSseClient}, {@link SseLoad}) so they can misbehave on purpose and stay cheap by the thousand. Every loop
 * is bounded in count and time; nothing asserts a duration. See {@code docs/reliability.md}.
 */
public abstract class ReliabilityScenarios {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final Duration SHORT = Duration.ofSeconds(10);

  private final List<AutoCloseable> cleanup = new ArrayList<>();

  /** For subclasses: a transport's test class that says which host to run the suite on. */
  protected ReliabilityScenarios() {}

  private SseHost host;

  /**
   * Returns the transport under test, in its host.
   *
   * @return the host, asked to start a server for each test
   */
  protected abstract SseHost host();

  /**
   * Returns the heartbeat with which this transport notices a client that closed an idle stream: zero where the
   * transport hears of a close at once (Netty); a short interval where it only learns at the next write (servlet
   * containers).
   *
   * @return the heartbeat interval for the tests that count clients leaving
   */
  protected abstract Duration closeDetection();

  /**
   * Returns how much the live heap may grow over the churn scenario's 20,000 connections. The bound is there to
   * find what Herald keeps per connection; a server whose own pools grow with the scenario's bursts of concurrent
   * connections (and then stay) may say how much room they need.
   *
   * @return 16 MiB unless the server says otherwise
   */
  protected long churnHeapGrowthBound() {
    return 16L << 20;
  }

  /**
   * Returns the status the server answers a request whose headers exceed its limit with, before Herald sees it.
   *
   * @return {@code 431 Request Header Fields Too Large} unless the server says otherwise
   */
  protected int headersTooLargeStatus() {
    return 431;
  }

  @BeforeEach
  void startHost() {
    host = host();
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    cleanup.clear();
    host.afterEachTest();
  }

  // ---- faults and load ----

  /**
   * Stalled clients are cut as slow consumers while 500 readers get every event, in order, with bounded memory.
   *
   * @throws Exception if the scenario fails to run
   */
  @Test
  public void stalledClientsAreDisconnectedAndReadersGetEveryEventWithBoundedMemory() throws Exception {
    int readers = 500;
    int stalled = 50;
    int events = 600;
    long maxQueuedBytes = 32 * 1024;
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ZERO)
        .assignIds(true).firstId(1)
        .channel(ChannelConfig.builder().maxQueuedEvents(64).maxQueuedBytes(maxQueuedBytes).build()));
    int port = server(broadcaster, 32 * 1024, false).port();
    SseLoad load = load();
    List<SseLoad.Client> reading = new ArrayList<>();
    List<SseLoad.Client> stalledClients = new ArrayList<>();
    for (int i = 0; i < readers + stalled; i++) {
      if (i % 11 == 10) {
        stalledClients.add(load.open(port, RawSseClient.get("/events"), 4096, false));
      } else {
        reading.add(load.open(port, RawSseClient.get("/events"), 0, true));
      }
    }
    assertThat(stalledClients).hasSize(stalled);
    Probes.await(SHORT, () -> broadcaster.clientCount() == readers + stalled, () -> "clients: " + broadcaster.stats());

    // The producer keeps at most a small window ahead of the slowest reader (as a live source paced by its
    // audience would), so a reader's queue never fills; a stalled client's fills at once.
    String payload = "x".repeat(512);
    long maxPendingBytes = 0;
    long maxDirect = 0;
    long slowestBroadcastNanos = 0;
    for (int i = 1; i <= events; i++) {
      long window = i - 16;
      Probes.await(SHORT, () -> minLastId(reading) >= window, () -> "readers fell behind: " + slowest(reading));
      long start = System.nanoTime();
      broadcaster.broadcast(Data.of(payload));
      slowestBroadcastNanos = Math.max(slowestBroadcastNanos, System.nanoTime() - start);
      if (i % 20 == 0) {
        maxPendingBytes = Math.max(maxPendingBytes, broadcaster.stats().bytesPending());
        maxDirect = Math.max(maxDirect, Probes.directMemoryUsed());
      }
    }

    Probes.await(DEADLINE, () -> minLastId(reading) == events, () -> "readers: " + slowest(reading));
    for (SseLoad.Client reader : reading) {
      assertThat(reader.events()).as("%s", reader).isEqualTo(events);
      assertThat(reader.outOfOrder()).as("%s", reader).isZero();
      assertThat(reader.ended()).as("%s", reader).isFalse();
    }
    Probes.await(SHORT, () -> broadcaster.clientCount() == readers, () -> "stats: " + broadcaster.stats());
    assertThat(broadcaster.stats().slowClientsDisconnected()).isEqualTo(stalled);
    assertThat(maxPendingBytes).as("queued bytes stay within every client's bound")
        .isLessThanOrEqualTo((readers + stalled) * maxQueuedBytes);
    assertThat(maxDirect).as("direct memory").isLessThan(64L << 20);
    report("slow consumers: max bytes pending %d, max direct memory %d, slowest broadcast call %d us",
        maxPendingBytes, maxDirect, slowestBroadcastNanos / 1000);
  }

  /**
   * 20,000 connects and disconnects of every kind leave no client, thread, descriptor or heap behind.
   *
   * @throws Exception if the scenario fails to run
   */
  @Test
  public void twentyThousandConnectsAndDisconnectsLeaveNothingBehind() throws Exception {
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        // Finds the clients that stop reading once broadcasting stops; a big comment fills their buffers sooner.
        .heartbeat(Duration.ofMillis(10))
        .heartbeatComment("p".repeat(1000))
        .greeting(Data.of("hi"))
        .assignIds(true).firstId(1)
        .channel(ChannelConfig.builder().maxQueuedEvents(64).maxQueuedBytes(64 * 1024).build()));
    // Small server-side buffers, so a client that stops reading backs up quickly.
    int port = server(broadcaster, 4096, true).port();
    ExecutorService workers = Executors.newFixedThreadPool(4);
    cleanup.add(workers::shutdownNow);
    List<RawSseClient> halfOpen = new java.util.concurrent.CopyOnWriteArrayList<>();
    cleanup.add(() -> halfOpen.forEach(RawSseClient::close));

    churn(workers, port, 0, 400, halfOpen); // warm up: threads, pools and classes exist before the baseline
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 0, () -> "warm-up clients: " + broadcaster.stats());
    halfOpen.forEach(RawSseClient::close);
    halfOpen.clear();
    int threadsBefore = Probes.threads();
    int fdsBefore = Probes.openFileDescriptors();
    long heapBefore = Probes.liveHeapAfterGc();

    AtomicBoolean broadcasting = new AtomicBoolean(true);
    Thread producer = new Thread(() -> {
      while (broadcasting.get()) {
        broadcaster.broadcast(Data.of("y".repeat(200)));
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // a steady source, up to 1,000 events a second
      }
    }, "churn-producer");
    producer.start();
    int cycles = 20_000;
    try {
      churn(workers, port, 1, cycles, halfOpen);
    } finally {
      broadcasting.set(false);
      producer.join(SHORT.toMillis());
    }

    // Clients that stopped reading and never closed are found by their full queues: heartbeats alone, now.
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 0,
        () -> "clients left: " + broadcaster.stats() + ", half-open: " + halfOpen.size());
    assertThat(halfOpen).as("half-open clients").hasSizeGreaterThan(100);
    halfOpen.forEach(RawSseClient::close);
    halfOpen.clear(); // the test's own clients (16 KiB of buffer each) are not the server's heap
    assertThat(broadcaster.stats().clientsConnected()).isGreaterThanOrEqualTo(cycles);
    assertThat(DROPPED.get()).as("cycles dropped as slow consumers").isLessThan(cycles / 100)
        .isLessThanOrEqualTo((int) broadcaster.stats().slowClientsDisconnected());
    assertThat(broadcaster.stats().framesPending()).isZero();
    Probes.await(SHORT, () -> Probes.openFileDescriptors() <= fdsBefore + 16,
        () -> "file descriptors: " + fdsBefore + " before, " + Probes.openFileDescriptors() + " after");
    Probes.await(SHORT, () -> Probes.threads() <= threadsBefore,
        () -> "threads: " + threadsBefore + " before, now " + Probes.threadNames());
    long heapAfter = Probes.liveHeapAfterGc();
    assertThat(heapAfter - heapBefore).as("live heap growth").isLessThan(churnHeapGrowthBound());
    report("churn: %d cycles (%d dropped as slow), %d clients, heap %d -> %d, fds %d -> %d, threads %d -> %d", cycles,
        DROPPED.get(), broadcaster.stats().clientsConnected(), heapBefore, heapAfter, fdsBefore, Probes.openFileDescriptors(),
        threadsBefore, Probes.threads());
  }

  /** One connect/disconnect cycle per index, of a kind chosen by the index, run by a few workers. */
  private static void churn(ExecutorService workers, int port, int from, int count, List<RawSseClient> halfOpen)
      throws Exception {
    int perWorker = count / 4;
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      int first = from + w * perWorker;
      done.add(workers.submit(() -> {
        for (int i = first; i < first + perWorker; i++) {
          cycle(port, i, halfOpen);
        }
        return null;
      }));
    }
    for (Future<?> future : done) {
      future.get(2, TimeUnit.MINUTES);
    }
  }

  private static final AtomicInteger DROPPED = new AtomicInteger();

  private static void cycle(int port, int i, List<RawSseClient> halfOpen) throws Exception {
    int kind = i % 10;
    boolean stall = i % 100 == 99;
    RawSseClient client = RawSseClient.connect(port, stall ? 2048 : 0);
    try {
      client.send(RawSseClient.get("/events"));
      if (kind == 8) {
        client.abort(); // gone before the response
        return;
      }
      assertThat(client.awaitHead(SHORT)).isEqualTo(200);
      if (stall) {
        halfOpen.add(client); // stops reading, never closes: only the server's own bounds can find it
        client = null;
        return;
      }
      try {
        client.awaitEvents(1, SHORT);
      } catch (java.io.IOException e) {
        // Dropped by its overflow policy: a client held up (by this busy machine) while events arrive is a slow
        // consumer. Counted, and checked against the server's own count.
        DROPPED.incrementAndGet();
        return;
      }
      if (kind == 7) {
        client.readSome(1 + i % 300); // most likely in the middle of an event
      }
    } finally {
      if (client != null) {
        if (kind % 2 == 0) {
          client.abort(); // RST
        } else {
          client.close(); // FIN
        }
      }
    }
  }

  /**
   * Closing the broadcaster under load ends every stream cleanly; a restarted server resets the clients it cannot
   * resume.
   *
   * @throws Exception if the scenario fails to run
   */
  @Test
  public void shutdownUnderLoadEndsEveryStreamCleanlyAndARestartTellsReconnectingClientsTheirIdIsUnknown()
      throws Exception {
    try (LogCapture logs = LogCapture.install()) {
      Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
          // Numbered from 1: the worst case for the restart below, whose default ids would otherwise reach these.
          .heartbeat(Duration.ofMillis(50)).assignIds(true).firstId(1).build());
      TestServer server = server(broadcaster, 0, false);
      SseLoad load = load();
      List<SseLoad.Client> readers = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        readers.add(load.open(server.port(), RawSseClient.get("/events"), 0, true));
      }
      Probes.await(SHORT, () -> broadcaster.clientCount() == 200, () -> "clients: " + broadcaster.stats());
      AtomicReference<Throwable> producerEnd = new AtomicReference<>();
      Thread producer = new Thread(() -> {
        try {
          // As fast as the readers take it, a small window ahead of the slowest (this machine's limit, not theirs).
          for (long i = 1; ; i++) {
            while (minLastId(readers) < i - 32 && !broadcaster.isClosed()) {
              LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
            }
            broadcaster.broadcast(Data.of("z".repeat(100)));
          }
        } catch (RuntimeException e) {
          producerEnd.set(e);
        }
      }, "shutdown-producer");
      producer.start();
      Probes.await(SHORT, () -> minLastId(readers) >= 200, () -> "readers: " + slowest(readers) + " of "
          + readers.stream().filter(SseLoad.Client::ended).count() + " ended; " + broadcaster.stats());

      broadcaster.close(); // while broadcasting
      Probes.await(SHORT, () -> readers.stream().allMatch(SseLoad.Client::endedCleanly),
          () -> "streams not ended cleanly: " + readers.stream().filter(r -> !r.endedCleanly()).toList());
      server.stop(); // then the server, also while the producer is still trying
      producer.join(SHORT.toMillis());

      assertThat(producerEnd.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
      for (SseLoad.Client reader : readers) {
        assertThat(reader.outOfOrder()).as("%s", reader).isZero();
      }
      long lastSeen = readers.get(0).lastId();
      assertThat(logs.warnings()).as("nothing at warn or above").isEmpty();

      // The server restarts with an empty history and, before the client is back, broadcasts more events than the
      // client had seen: their ids (from the clock) are not the old run's, so the client's id is a miss, announced.
      Broadcaster restarted = broadcaster(BroadcasterConfig.builder().assignIds(true));
      int port = server(restarted, 0, false).port();
      for (long i = 0; i <= lastSeen; i++) {
        restarted.broadcast(Data.of("before the client came back"));
      }
      try (RawSseClient client = RawSseClient.connect(port, 0)) {
        client.send(RawSseClient.get("/events", "Last-Event-ID: " + lastSeen));
        assertThat(client.awaitHead(SHORT)).isEqualTo(200);
        assertThat(client.awaitEvents(1, SHORT)).containsExactly(new MessageEvent("reset", "", ""));
        restarted.broadcast(Data.of("after the restart"));
        MessageEvent after = client.awaitEvents(2, SHORT).get(1);
        assertThat(after.data()).isEqualTo("after the restart");
        assertThat(Long.parseLong(after.lastEventId())).as("the new run's ids are all past the old run's")
            .isGreaterThan(lastSeen);
      }
      assertThat(restarted.stats().replayMisses()).isEqualTo(1);
      assertThat(logs.warnings()).isEmpty();
    }
  }

  /**
   * Clients that reconnect with {@code Last-Event-ID} while threads broadcast get every event once and in order.
   *
   * @throws Exception if the scenario fails to run
   */
  @Test
  public void clientsResumingWithLastEventIdWhileThreadsBroadcastGetEveryEventOnceInOrder() throws Exception {
    int producers = 3;
    int perProducer = 3_000;
    int total = producers * perProducer;
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ZERO).assignIds(true).firstId(1).history(total + 10)
        .channel(ChannelConfig.builder().maxQueuedEvents(total + 10).maxQueuedBytes(16 << 20).build()));
    int port = server(broadcaster, 0, false).port();
    int clients = 12;
    ExecutorService pool = Executors.newFixedThreadPool(clients + producers);
    cleanup.add(pool::shutdownNow);
    CountDownLatch subscribed = new CountDownLatch(clients);
    List<Future<List<Long>>> seen = new ArrayList<>();
    AtomicInteger reconnects = new AtomicInteger();
    for (int c = 0; c < clients; c++) {
      seen.add(pool.submit(() -> {
        List<Long> ids = new ArrayList<>();
        String lastEventId = null;
        boolean first = true;
        while (ids.size() < total) {
          try (RawSseClient client = RawSseClient.connect(port, 0)) {
            client.send(lastEventId == null
                ? RawSseClient.get("/events") : RawSseClient.get("/events", "Last-Event-ID: " + lastEventId));
            assertThat(client.awaitHead(SHORT)).isEqualTo(200);
            if (first) {
              subscribed.countDown();
              first = false;
            }
            int want = Math.min(total - ids.size(), ThreadLocalRandom.current().nextInt(50, 800));
            // It counts the first events it wanted; whatever came after them is lost as it leaves.
            List<MessageEvent> events = client.awaitEvents(want, DEADLINE).subList(0, want);
            for (MessageEvent event : events) {
              ids.add(Long.parseLong(event.lastEventId()));
            }
            lastEventId = events.get(want - 1).lastEventId();
            client.abort();
            reconnects.incrementAndGet();
          }
        }
        return ids;
      }));
    }
    assertThat(subscribed.await(SHORT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    for (int p = 0; p < producers; p++) {
      int producer = p;
      pool.submit(() -> {
        for (int i = 0; i < perProducer; i++) {
          broadcaster.broadcast(Data.of(producer + ":" + i));
          if (i % 16 == 0) {
            Thread.yield();
          }
        }
      });
    }

    List<Long> expected = new ArrayList<>();
    for (long id = 1; id <= total; id++) {
      expected.add(id);
    }
    for (Future<List<Long>> client : seen) {
      assertThat(client.get(2, TimeUnit.MINUTES)).as("ids a client saw across its reconnections")
          .isEqualTo(expected);
    }
    assertThat(broadcaster.stats().replayMisses()).isZero();
    report("replay under races: %d events, %d reconnections, %d replay hits", total, reconnects.get(),
        broadcaster.stats().replayHits());
  }

  // ---- bad input and limits ----

  /**
   * Bad requests get a clear status and do not disturb the clients already streaming.
   *
   * @throws Exception if the scenario fails to run
   */
  @Test
  public void badRequestsGetAClearStatusAndDoNotDisturbOtherClients() throws Exception {
    // The default queue and history: a servlet container's heartbeat every closeDetection() (50 ms) fills a short
    // queue while a loaded machine keeps the 300 clients below from reading for a second, and cuts them as slow.
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .heartbeat(closeDetection()).assignIds(true).firstId(1));
    int port = server(broadcaster, 0, false).port();
    RawSseClient reader = client(port, RawSseClient.get("/events"));
    assertThat(reader.awaitHead(SHORT)).isEqualTo(200);
    int delivered = 0;

    // A long Last-Event-ID within the header limit: an unknown id like any other.
    try (RawSseClient client = RawSseClient.connect(port, 0)) {
      client.send(RawSseClient.get("/events", "Last-Event-ID: " + "7".repeat(4000)));
      assertThat(client.awaitHead(SHORT)).isEqualTo(200);
      assertThat(client.awaitEvents(1, SHORT)).containsExactly(new MessageEvent("reset", "", ""));
    }
    // Gone before the count below means anything: at once on Netty, at a servlet container's next write (the
    // heartbeat's). Counted meanwhile, it would stand in for a client not yet subscribed.
    Probes.await(SHORT, () -> broadcaster.clientCount() == 1, () -> "clients: " + broadcaster.stats());
    // Beyond the header limit (8 KiB by default in Netty, Jetty and Tomcat): refused, and the connection closes.
    for (String header : List.of("Last-Event-ID: " + "7".repeat(16_000), "X-Junk: " + "j".repeat(64_000))) {
      try (RawSseClient client = RawSseClient.connect(port, 0)) {
        client.send(RawSseClient.get("/events", header));
        assertThat(client.awaitHead(SHORT)).isEqualTo(headersTooLargeStatus());
        client.awaitClosedByServer(SHORT);
      }
    }
    // Binary bytes in Last-Event-ID (every byte value a header line can hold): refused or an unknown id.
    StringBuilder binary = new StringBuilder();
    for (int b = 1; b < 256; b++) {
      if (b != '\r' && b != '\n') {
        binary.append((char) b);
      }
    }
    try (RawSseClient client = RawSseClient.connect(port, 0)) {
      client.send(RawSseClient.get("/events", "Last-Event-ID: " + binary));
      int status = client.awaitHead(SHORT);
      assertThat(status).isIn(200, 400);
      if (status == 200) {
        assertThat(client.awaitEvents(1, SHORT).get(0).type()).isEqualTo("reset");
      }
      report("binary Last-Event-ID: %d", status);
    }
    // Requests that never finish their headers: they hold a connection each and nothing else.
    List<RawSseClient> unfinished = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      unfinished.add(client(port, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event"));
    }
    // Many connections from one source, all streaming at once.
    SseLoad load = load();
    List<SseLoad.Client> many = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      many.add(load.open(port, RawSseClient.get("/events"), 0, true));
    }
    // A stream's head is sent once its client is subscribed, so the event below reaches every one of them.
    Probes.await(SHORT, () -> many.stream().allMatch(c -> c.status() == 200),
        () -> "clients without a head: " + many.stream().filter(c -> c.status() != 200).count());
    Probes.await(SHORT, () -> broadcaster.clientCount() == 301, () -> "clients: " + broadcaster.stats());

    broadcaster.broadcast(Data.of("still here"));
    delivered++;
    int expected = delivered;
    assertThat(reader.awaitEvents(expected, SHORT).get(expected - 1).data()).isEqualTo("still here");
    Probes.await(SHORT, () -> many.stream().allMatch(c -> c.events() == expected),
        () -> "clients without the event: " + many.stream().filter(c -> c.events() != expected).toList());

    many.forEach(SseLoad.Client::abort);
    unfinished.forEach(RawSseClient::abort);
    Probes.await(SHORT, () -> broadcaster.clientCount() == 1, () -> "clients: " + broadcaster.stats());
    broadcaster.broadcast(Data.of("and still"));
    assertThat(reader.awaitEvents(expected + 1, SHORT).get(expected).data()).isEqualTo("and still");
  }

  /**
   * Over the client limit, clients are refused with {@code 503} and {@code Retry-After}; the event size limit holds.
   *
   * @throws Exception if the scenario fails to run
   */
  @Test
  public void clientLimitRefusesTheRestWith503AndRetryAfterAndEventSizeLimitHolds() throws Exception {
    int limit = 50;
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .heartbeat(closeDetection()).maxClients(limit)
        .channel(ChannelConfig.builder().maxEventBytes(1024).build()));
    int port = server(broadcaster, 0, false).port();
    SseLoad load = load();
    List<SseLoad.Client> clients = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      clients.add(load.open(port, RawSseClient.get("/events"), 0, true));
    }
    Probes.await(SHORT, () -> clients.stream().allMatch(c -> c.status() > 0), () -> "responses pending");

    List<SseLoad.Client> served = clients.stream().filter(c -> c.status() == 200).toList();
    List<SseLoad.Client> refused = clients.stream().filter(c -> c.status() == 503).toList();
    assertThat(served).hasSize(limit);
    assertThat(refused).hasSize(120 - limit);
    assertThat(refused).allSatisfy(c -> assertThat(c.header("Retry-After")).isEqualTo("5"));
    assertThat(broadcaster.clientCount()).isEqualTo(limit);

    assertThatThrownBy(() -> broadcaster.broadcast(Data.of("x".repeat(2000))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEventBytes");
    broadcaster.broadcast(Data.of("small"));
    Probes.await(SHORT, () -> served.stream().allMatch(c -> c.events() == 1), () -> "served: " + served.get(0));

    served.forEach(SseLoad.Client::close);
    Probes.await(SHORT, () -> broadcaster.clientCount() == 0, () -> "clients: " + broadcaster.stats());
  }

  /**
   * A burst of 10,000 unpaced broadcasts right after a client connected, with the README's configuration (greeting,
   * ids, and so a history as long as a client's queue): the client, reconnecting as {@code EventSource} does with
   * its last event id, ends with every event in order, or with each gap announced by a {@code reset}; never a silent
   * gap, never a duplicate. A client cut before any event reached it still has the position the stream gave it at
   * once, so it resumes too.
   *
   * @throws Exception if the scenario fails to run
   */
  @Test
  public void aBurstRightAfterConnectIsNeverLostSilently() throws Exception {
    int events = 10_000;
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ZERO)
        .greeting(Data.of("connected"))
        .assignIds(true)); // the README's configuration: ids from the clock, a history as long as a client's queue
    URI uri = URI.create("http://127.0.0.1:" + server(broadcaster, 0, false).port() + "/events");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<MessageEvent> received = new ArrayList<>();
    HttpSseClient first = HttpSseClient.connect(http, uri, null);
    first.awaitEvents(1);
    for (int i = 0; i < events; i++) {
      broadcaster.broadcast(Data.of(Integer.toString(i)));
    }
    List<String> connections = new ArrayList<>();
    int reconnects = resumeUntilDone(broadcaster, http, uri, first, received, connections);
    assertNoSilentGapOrDuplicate(received, events, connections);
    report("burst after connect: %d reconnects, %d of %d events, %d resets, %d slow disconnects", reconnects,
        received.stream().filter(e -> isNumber(e.data())).count(), events,
        received.stream().filter(e -> e.type().equals("reset")).count(),
        broadcaster.stats().slowClientsDisconnected());
  }

  /**
   * The same burst, to a client that stops reading right after its greeting and its position (a small receive
   * buffer, so that it backs up at once): it is cut as slow, reads what reached its socket, then reconnects as
   * {@code EventSource} does. It ends with every event in order, or with each gap announced by a {@code reset}.
   *
   * @throws Exception if the scenario fails to run
   */
  @Test
  public void aClientThatStallsRightAfterItsGreetingIsNeverLostSilently() throws Exception {
    int events = 10_000;
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder()
        .heartbeat(Duration.ZERO)
        .greeting(Data.of("connected"))
        .assignIds(true).firstId(1));
    int port = server(broadcaster, 4096, true).port();
    RawSseClient stalled = client(port, RawSseClient.get("/events"), 4096);
    stalled.awaitEvents(1, SHORT);
    stalled.awaitLastEventId("0", SHORT); // its position, before any event: then it reads nothing more

    for (int i = 0; i < events; i++) {
      broadcaster.broadcast(Data.of(Integer.toString(i)));
    }
    Probes.await(DEADLINE, () -> broadcaster.stats().slowClientsDisconnected() == 1,
        () -> "the stalled client was not cut: " + broadcaster.stats());
    stalled.awaitEnd(DEADLINE); // reads what reached its socket before the cut, to the response's end or the EOF
    List<MessageEvent> received = new ArrayList<>(stalled.parser().events());
    String lastEventId = stalled.parser().lastEventId();

    URI uri = URI.create("http://127.0.0.1:" + port + "/events");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpSseClient back = HttpSseClient.connect(http, uri, lastEventId);
    back.awaitEvents(1);
    broadcaster.broadcast(Data.of("done"));
    List<String> connections = new ArrayList<>();
    int reconnects = 1 + resumeUntilDone(broadcaster, http, uri, back, received, connections);
    assertNoSilentGapOrDuplicate(received, events, connections);
    report("stall after greeting: %d reconnects, %d of %d events, %d resets", reconnects,
        received.stream().filter(e -> isNumber(e.data())).count(), events,
        received.stream().filter(e -> e.type().equals("reset")).count());
  }

  /**
   * Reads a stream, and reconnects as {@code EventSource} does with its last event id, until the burst's last event
   * or a later {@code "done"} arrives: each reconnection is followed by a "done", so a client whose tail was cut has
   * something live to end on. Adds what each connection read to {@code received}.
   *
   * @return how many times it reconnected
   */
  private static int resumeUntilDone(Broadcaster broadcaster, HttpClient http, URI uri, HttpSseClient first,
      List<MessageEvent> received, List<String> connections) throws Exception {
    int reconnects = 0;
    String sent = null;
    for (HttpSseClient client = first; ; reconnects++) {
      HttpSseClient current = client;
      Probes.await(DEADLINE, () -> current.ended() || isDone(current.events()),
          () -> "stream stalled after " + received.size() + " events");
      List<MessageEvent> events = current.events();
      received.addAll(events);
      String lastEventId = current.lastEventId();
      // What each connection did, for the message of a failure: a silent gap is only diagnosable from this.
      connections.add("sent " + sent + ", read " + events.size() + " events "
          + events.stream().filter(e -> isNumber(e.data())).map(MessageEvent::data).findFirst().orElse("-") + ".."
          + events.stream().filter(e -> isNumber(e.data())).reduce((a, b) -> b).map(MessageEvent::data).orElse("-")
          + (events.stream().anyMatch(e -> e.type().equals("reset")) ? " with a reset" : "")
          + ", ended cleanly " + current.endedCleanly() + ", last event id " + lastEventId);
      current.close();
      if (isDone(received)) {
        return reconnects;
      }
      assertThat(reconnects).as("reconnects").isLessThan(100);
      sent = lastEventId.isEmpty() ? null : lastEventId;
      client = HttpSseClient.connect(http, uri, sent);
      client.awaitEvents(1);
      broadcaster.broadcast(Data.of("done"));
    }
  }

  private static boolean isDone(List<MessageEvent> events) {
    return events.stream().anyMatch(e -> e.data().equals("done") || e.data().equals(Integer.toString(9_999)));
  }

  private static boolean isNumber(String data) {
    return !data.isEmpty() && data.chars().allMatch(Character::isDigit);
  }

  /**
   * Numbered events arrive in order with no duplicate; wherever some are skipped, a {@code reset} came between,
   * and so before the first {@code "done"} if the burst's tail is missing. A failure's message lists what each
   * connection sent and read.
   */
  private static void assertNoSilentGapOrDuplicate(List<MessageEvent> received, int events,
      List<String> connections) {
    int expected = 0;
    boolean announced = false;
    for (MessageEvent event : received) {
      String data = event.data();
      if (event.type().equals("reset")) {
        announced = true;
      } else if (data.equals("done")) {
        assertThat(expected == events || announced)
            .as("events %d to %d skipped without a reset; connections: %s", expected, events - 1, connections)
            .isTrue();
        return;
      } else if (isNumber(data)) {
        int n = Integer.parseInt(data);
        assertThat(n).as("no duplicate: event %d after %d; connections: %s", n, expected - 1, connections)
            .isGreaterThanOrEqualTo(expected);
        assertThat(n == expected || announced)
            .as("events %d to %d skipped without a reset; connections: %s", expected, n - 1, connections)
            .isTrue();
        expected = n + 1;
        announced = false;
      }
    }
    assertThat(expected).as("the burst's last event arrived; connections: %s", connections).isEqualTo(events);
  }

  // ---- helpers ----

  private Broadcaster broadcaster(BroadcasterConfig.Builder config) {
    Broadcaster broadcaster = Broadcasters.create(config.build());
    cleanup.add(broadcaster);
    return broadcaster;
  }

  private SseLoad load() throws java.io.IOException {
    SseLoad load = SseLoad.start("sse-load");
    cleanup.add(load);
    return load;
  }

  private RawSseClient client(int port, String request) throws java.io.IOException {
    return client(port, request, 0);
  }

  private RawSseClient client(int port, String request, int receiveBuffer) throws java.io.IOException {
    RawSseClient client = RawSseClient.connect(port, receiveBuffer);
    cleanup.add(client);
    client.send(request);
    return client;
  }

  private static long minLastId(List<SseLoad.Client> clients) {
    long min = Long.MAX_VALUE;
    for (SseLoad.Client client : clients) {
      min = Math.min(min, client.lastId());
    }
    return min;
  }

  private static String slowest(List<SseLoad.Client> clients) {
    SseLoad.Client slowest = clients.get(0);
    for (SseLoad.Client client : clients) {
      if (client.lastId() < slowest.lastId()) {
        slowest = client;
      }
    }
    return slowest.toString();
  }

  private static void report(String format, Object... args) {
    System.out.println("[reliability] " + String.format(format, args));
  }

  private TestServer server(Broadcaster broadcaster, int sendBuffer, boolean smallOutputBuffer) throws Exception {
    TestServer server = host.start(ServerSetup.of(broadcaster).withBuffers(sendBuffer, smallOutputBuffer));
    cleanup.add(server::stop);
    return server;
  }

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  private static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }
}
