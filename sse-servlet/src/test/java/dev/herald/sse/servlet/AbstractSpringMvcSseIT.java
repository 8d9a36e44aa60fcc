package dev.herald.sse.servlet;

import static dev.herald.sse.servlet.AbstractServletSseIT.assertEventStreamHead;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.servlet.AbstractServletSseIT.Received;
import dev.herald.sse.servlet.AbstractServletSseIT.Recorder;
import dev.herald.sse.testkit.LogCapture;
import dev.herald.sse.testkit.Probes;
import dev.herald.sse.testkit.RawSseClient;
import dev.herald.sse.testkit.TestServer;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import jakarta.servlet.http.HttpServlet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.context.support.ServletRequestHandledEvent;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * The README's Spring MVC usage, run for real: its {@link EventsController} in an annotation-configured Spring MVC
 * application, behind a real {@link DispatcherServlet} mapped at {@code /} and async-supported (as Spring Boot
 * registers it), on a real container. Each subclass runs every test on its own container.
 *
 * <p>Every test starts its own server and application context and stops them at the end, so the whole life of
 * the application is watched: nothing may be logged at warn or above, by Herald, Spring or the container, from
 * start to stop.
 */
abstract class AbstractSpringMvcSseIT {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private LogCapture logs;
  private AnnotationConfigWebApplicationContext context;
  private TestServer server;
  private OkHttpClient client;
  private Broadcaster broadcaster;
  private ScheduledThreadPoolExecutor scheduler;
  private HandledRequests handled;

  /** Starts the container under test with these servlets, each mapped at its path and async-supported. */
  abstract TestServer start(Map<String, HttpServlet> servlets) throws Exception;

  @BeforeEach
  void startApplication() throws Exception {
    logs = LogCapture.install();
    context = new AnnotationConfigWebApplicationContext();
    context.register(WebConfig.class);
    // The servlet refreshes the context when the container initializes it, and closes it when the container stops.
    server = start(Map.of("/", new DispatcherServlet(context)));
    broadcaster = context.getBean(Broadcaster.class);
    scheduler = context.getBean(ScheduledThreadPoolExecutor.class);
    handled = context.getBean(HandledRequests.class);
    client = new OkHttpClient.Builder().readTimeout(DEADLINE).build();
  }

  @AfterEach
  void stopApplication() throws Exception {
    try {
      for (AutoCloseable c : cleanup) {
        c.close();
      }
      if (broadcaster != null) {
        // The server lets go of every client before the application stops, so that no stream is still ending on
        // the container's threads while it stops (Tomcat warns of a thread running the web app's code then).
        Probes.await(DEADLINE, () -> broadcaster.clientCount() == 0 && scheduler.getQueue().isEmpty(),
            () -> "streams still open: " + broadcaster.stats() + ", clock ticks " + scheduler.getQueue().size());
      }
      if (client != null) {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }
      if (server != null) {
        server.stop();
        assertThat(context.isActive()).as("the container's stop closed the application context").isFalse();
        assertThat(broadcaster.isClosed()).as("closing the context closed the broadcaster").isTrue();
      }
    } finally {
      logs.close();
    }
    assertThat(logs.warnings()).as("nothing logged at warn or above").isEmpty();
  }

  // ---- the tests ----

  @Test
  void eventsOpensAStreamThatSpringLeavesToHerald() throws Exception {
    try (Response response = client.newCall(request("/events").build()).execute()) {
      // execute() returns when the headers arrive: before any event, so they were flushed at once.
      assertEventStreamHead(response);
      BufferedSource body = response.body().source();
      assertThat(readLines(body, 4)).as("the greeting, then the stream's position").containsExactly(
          "data: connected", "", "id: 0", "");

      // Spring publishes this once it is done with the request: the controller has returned, and so has the
      // DispatcherServlet, with the request still open in async mode.
      ServletRequestHandledEvent event = handled.take();
      assertThat(event.getRequestUrl()).isEqualTo("/events");
      assertThat(event.getStatusCode()).isEqualTo(200);
      assertThat(event.getFailureCause()).isNull();

      // What is broadcast from now on arrives in order, and nothing but Herald's bytes is on the wire: Spring wrote
      // no body and did not complete the response, which still carries the heartbeat.
      List<String> expected = new ArrayList<>();
      for (int i = 1; i <= 20; i++) {
        broadcaster.broadcast(Data.of("event " + i));
        expected.addAll(List.of("id: " + i, "data: event " + i, ""));
      }
      assertThat(readLines(body, expected.size())).containsExactlyElementsOf(expected);
      assertThat(body.readUtf8LineStrict()).isEqualTo(": ping");
    }
  }

  @Test
  void clientThatReconnectsWithLastEventIdGetsWhatItMissedThenLiveEvents() {
    Recorder first = connect("/events", null);
    assertThat(first.next().data()).isEqualTo("connected");
    broadcaster.broadcast(Data.of("one"));
    broadcaster.broadcast(Data.of("two"));
    List<Received> seen = first.next(2);
    assertThat(seen).containsExactly(new Received("1", "message", "one"), new Received("2", "message", "two"));
    first.source.cancel();
    broadcaster.broadcast(Data.of("three")); // while the client is away
    broadcaster.broadcast(Data.of("four"));

    // As a browser's EventSource reconnects: with the id of the last event it saw.
    Recorder resumed = connect("/events", seen.get(1).id());
    assertThat(resumed.next(3)).containsExactly(new Received(null, "message", "connected"),
        new Received("3", "message", "three"), new Received("4", "message", "four"));
    broadcaster.broadcast(Data.of("five"));
    assertThat(resumed.next()).isEqualTo(new Received("5", "message", "five"));
    assertThat(broadcaster.stats().replayHits()).isEqualTo(1);
  }

  @Test
  void clockStreamsTheTimeToItsOneClientThroughItsSender() {
    Recorder clock = connect("/clock", null);

    Instant first = Instant.parse(clock.next().data());
    Instant second = Instant.parse(clock.next().data());
    assertThat(second).isAfterOrEqualTo(first);
    assertThat(broadcaster.clientCount()).as("a sender's stream is not the broadcaster's").isZero();
  }

  @Test
  void clientsThatDisconnectAreRemoved() {
    Recorder events = connect("/events", null);
    Recorder clock = connect("/clock", null);
    assertThat(events.next().data()).isEqualTo("connected");
    clock.next();
    assertThat(broadcaster.clientCount()).isEqualTo(1);
    Probes.await(DEADLINE, () -> scheduler.getQueue().size() == 1, () -> "the clock's tick is not scheduled");

    events.source.cancel();
    clock.source.cancel();

    // The container sees a client that left an idle stream at the next write: the heartbeat's, or the clock's tick.
    Probes.await(DEADLINE, () -> broadcaster.clientCount() == 0,
        () -> "the broadcaster still has the client that left: " + broadcaster.stats());
    Probes.await(DEADLINE, () -> scheduler.getQueue().isEmpty(),
        () -> "the clock still ticks: its sender did not close when the client left");
  }

  @Test
  void closingTheBroadcasterEndsTheStreamCleanly() throws Exception {
    try (RawSseClient raw = RawSseClient.connect(server.port(), 0)) {
      raw.send(RawSseClient.get("/events"));
      assertThat(raw.awaitEvents(1, DEADLINE)).containsExactly(new MessageEvent("message", "connected", ""));

      broadcaster.broadcast(Data.of("last words"));
      broadcaster.close();

      assertThat(raw.awaitEnd(DEADLINE)).as("the chunked body ended with its last chunk, not a reset").isTrue();
      assertThat(raw.parser().events()).containsExactly(
          new MessageEvent("message", "connected", ""), new MessageEvent("message", "last words", "1"));
    }
    try (Response refused = client.newCall(request("/events").build()).execute()) {
      assertThat(refused.code()).isEqualTo(503);
    }
  }

  // ---- helpers ----

  private Request.Builder request(String path) {
    return new Request.Builder().url("http://127.0.0.1:" + server.port() + path);
  }

  private Recorder connect(String path, @Nullable String lastEventId) {
    Recorder recorder = Recorder.open(client, request(path), lastEventId);
    cleanup.add(recorder.source::cancel);
    return recorder;
  }

  /** Reads this many lines of the body, passing over the heartbeat's comments ({@code ": ping"} and its blank line). */
  private static List<String> readLines(BufferedSource body, int count) throws Exception {
    List<String> lines = new ArrayList<>();
    while (lines.size() < count) {
      String line = body.readUtf8LineStrict();
      if (line.equals(": ping")) {
        assertThat(body.readUtf8LineStrict()).isEmpty();
      } else {
        lines.add(line);
      }
    }
    return lines;
  }

  /** The application: Spring MVC, the README's controller, and the beans it takes. */
  @Configuration
  @EnableWebMvc
  @Import(EventsController.class)
  static class WebConfig {
    @Bean
    Broadcaster broadcaster() {
      return Broadcasters.create(BroadcasterConfig.builder()
          .greeting(Data.of("connected"))
          .assignIds(true).firstId(1)
          // Far below the default 15 s, so a client that leaves an idle stream is found within a test.
          .heartbeat(Duration.ofMillis(100))
          .build());
    }

    @Bean(destroyMethod = "shutdownNow")
    ScheduledThreadPoolExecutor scheduler() {
      ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "clock");
        thread.setDaemon(true);
        // Started by a request, it would keep the web app's class loader, and Tomcat warns of a leak if the
        // thread is still ending when the application stops.
        thread.setContextClassLoader(WebConfig.class.getClassLoader());
        return thread;
      });
      scheduler.setRemoveOnCancelPolicy(true); // a cancelled tick leaves the queue, so a test can see it go
      return scheduler;
    }

    @Bean
    HandledRequests handledRequests() {
      return new HandledRequests();
    }
  }

  /** Records the requests Spring reports as handled: it does so after the handler and the servlet returned. */
  static final class HandledRequests implements ApplicationListener<ServletRequestHandledEvent> {
    private final BlockingQueue<ServletRequestHandledEvent> events = new LinkedBlockingQueue<>();

    @Override
    public void onApplicationEvent(ServletRequestHandledEvent event) {
      events.add(event);
    }

    ServletRequestHandledEvent take() throws InterruptedException {
      ServletRequestHandledEvent event = events.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(event).as("Spring to report the request handled within %s", DEADLINE).isNotNull();
      return event;
    }
  }
}
