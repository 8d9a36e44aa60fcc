package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.examples.ReconnectingClients.Client;
import dev.herald.sse.examples.ReconnectingClients.Connection;
import dev.herald.sse.redis.testing.RedisServer;
import dev.herald.sse.testkit.Probes;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cluster as deployed: three example nodes (real processes: Netty, Jetty, Tomcat) on one persistent
 * {@code redis-server}, behind nginx configured as {@code cluster/nginx.conf} says, 300 reconnecting clients and a
 * producer that retries with an {@code Idempotency-Key}, all through nginx. One node is killed ({@code SIGKILL})
 * and Redis is killed and restarted under the producer.
 */
class ExampleLoadBalancerIT {
  private static final Path JAR = Path.of("target", "sse-examples.jar");
  private static final Pattern URL = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/");
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final int CLIENTS = 300;
  private static final int EVENTS = 600;

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  @AfterEach
  void stop() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  /** An example node as a process of its own, started as a user would start it. */
  private record NodeProcess(Process process, int port, StringBuilder console) implements AutoCloseable {
    static Process launch(String transport, String redisUri) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      return new ProcessBuilder(java, "-Xmx256m", "-jar", JAR.toString(), "--transport", transport,
          "--port", "0", "--redis", redisUri, "--heartbeat", "2s")
          .redirectError(ProcessBuilder.Redirect.INHERIT) // the servers' warnings, in the test's output
          .start();
    }

    /** Waits for a launched node's first line, which names its port. */
    static NodeProcess ready(Process process, String transport) throws IOException {
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String first = String.valueOf(out.readLine());
      Matcher url = URL.matcher(first);
      if (!url.find()) {
        process.destroyForcibly();
        throw new IOException(transport + " node did not start: " + first);
      }
      StringBuilder console = new StringBuilder();
      Thread drain = new Thread(() -> {
        try {
          for (String line; (line = out.readLine()) != null; ) {
            synchronized (console) {
              console.append(line).append('\n');
            }
          }
        } catch (IOException e) {
          // the process ended
        }
      }, transport + "-console");
      drain.setDaemon(true);
      drain.start();
      return new NodeProcess(process, Integer.parseInt(url.group(1)), console);
    }

    String address() {
      return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
      Nginx.stop(process);
    }
  }

  /** What one publish through nginx was answered, after any retries. */
  private record Published(int attempts, List<String> upstreams) {}

  /**
   * Posts one message through nginx under its key until a node answers {@code 200}, retrying what a producer
   * retries: no answer, {@code 502}/{@code 504} (the node died), {@code 503} (Redis away).
   */
  private Published publish(int port, String key, String message, AtomicInteger failedAttempts) throws Exception {
    List<String> upstreams = new ArrayList<>();
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/events"))
            .timeout(Duration.ofSeconds(10))
            .header("Idempotency-Key", key)
            .POST(HttpRequest.BodyPublishers.ofString(message, StandardCharsets.UTF_8)).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        upstreams.add(lastUpstream(response.headers().firstValue("X-Upstream").orElse(null)));
        if (response.statusCode() == 200) {
          return new Published(attempt, upstreams);
        }
        assertThat(response.statusCode()).as(response.body()).isIn(502, 503, 504);
      } catch (IOException e) {
        // no answer: retried under the same key
      }
      failedAttempts.incrementAndGet();
      assertThat(System.nanoTime() - deadline).as("%s was not acknowledged within %s", message, DEADLINE)
          .isNegative();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // the producer's backoff between retries
    }
  }

  /** nginx names every node it tried, in order ({@code A, B}): the last one answered. */
  private static @Nullable String lastUpstream(@Nullable String header) {
    if (header == null) {
      return null;
    }
    String[] tried = header.split(",");
    return tried[tried.length - 1].trim();
  }

  private static boolean hasMessage(Client client, String message) {
    return client.events().stream().anyMatch(event -> event.data().equals(message));
  }

  @Test
  @Timeout(value = 110, unit = TimeUnit.SECONDS)
  void nodeKilledAndRedisRestartedUnderTheProducerLoseAndRepeatNothingThroughNginx() throws Exception {
    RedisServer redis = RedisServer.start(true);
    resources.add(redis);
    List<String> transports = List.of("netty", "jetty", "tomcat");
    List<Process> launched = new ArrayList<>();
    for (String transport : transports) { // all at once: each takes seconds to start on a loaded machine
      Process process = NodeProcess.launch(transport, redis.uri());
      resources.add(process::destroyForcibly);
      launched.add(process);
    }
    List<NodeProcess> nodes = new ArrayList<>();
    for (int i = 0; i < transports.size(); i++) {
      NodeProcess node = NodeProcess.ready(launched.get(i), transports.get(i));
      resources.add(node);
      nodes.add(node);
    }
    Nginx nginx = Nginx.start(nodes.stream().map(NodeProcess::port).toList());
    resources.add(nginx);
    ReconnectingClients load = new ReconnectingClients(nginx.port(), "/events");
    resources.add(load);
    for (int i = 0; i < CLIENTS; i++) {
      load.open();
    }
    List<Client> clients = load.clients();
    Probes.await(DEADLINE, () -> clients.stream().allMatch(c -> c.status() == 200 && !c.events().isEmpty()),
        () -> "not every client got its stream through nginx: " + load.failure() + "\n" + nginx.log());
    Map<Client, String> firstNode = new HashMap<>();
    for (Client client : clients) {
      firstNode.put(client, client.upstream());
    }
    NodeProcess victim = nodes.get(0);
    for (NodeProcess node : nodes) {
      assertThat(firstNode.values()).as("nginx spreads the streams over the nodes").contains(node.address());
    }

    AtomicInteger failedAttempts = new AtomicInteger();
    // Unbuffered: each event reaches every client before the next is published.
    for (int i = 0; i < 3; i++) {
      String message = "m" + i;
      publish(nginx.port(), message, message, failedAttempts);
      Probes.await(DEADLINE, () -> clients.stream().allMatch(c -> hasMessage(c, message)),
          () -> message + " did not reach every client: nginx buffers the stream?");
    }
    // A retry that lands on another node sends nothing: nginx's round robin moves each request on.
    String publishedOn = answeredBy(publish(nginx.port(), "m3", "m3", failedAttempts));
    boolean retriedElsewhere = false;
    for (int retry = 0; retry < 6 && !retriedElsewhere; retry++) {
      retriedElsewhere = !answeredBy(publish(nginx.port(), "m3", "m3", failedAttempts)).equals(publishedOn);
    }
    assertThat(retriedElsewhere).as("a retry of m3 reached a node other than the one that published it").isTrue();

    // The stream: one node killed a third of the way through, Redis killed and restarted at two thirds.
    for (int i = 4; i < EVENTS; i++) {
      Thread restarter = null;
      if (i == EVENTS / 3) {
        victim.process().destroyForcibly(); // SIGKILL
        assertThat(victim.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
      }
      if (i == 2 * EVENTS / 3) {
        redis.kill();
        restarter = restartOnceRefused(redis, failedAttempts);
      }
      String message = "m" + i;
      publish(nginx.port(), message, message, failedAttempts);
      if (restarter != null) {
        restarter.join(DEADLINE.toMillis());
        assertThat(restarter.isAlive()).isFalse();
      }
    }
    String last = "m" + (EVENTS - 1);
    Probes.await(DEADLINE, () -> clients.stream().allMatch(c -> hasMessage(c, last)),
        () -> "the last event did not reach every client: " + clients.stream().filter(c -> !hasMessage(c, last))
            .limit(5).toList() + "\n" + nginx.log());

    int moved = 0;
    int resets = 0;
    for (Client client : clients) {
      resets += checkEveryMessageOnceInOrder(client);
      List<Connection> ended = client.endedConnections();
      if (victim.address().equals(firstNode.get(client))) {
        moved++;
        assertThat(ended).as("%s lost its node", client).isNotEmpty();
        assertThat(ended.get(0).upstream()).isEqualTo(victim.address());
        assertThat(client.upstream()).as("%s reconnected through nginx to another node", client)
            .isNotNull().isNotEqualTo(victim.address());
      } else {
        assertThat(ended).as("%s on a surviving node kept its stream, through the Redis restart too", client)
            .isEmpty();
        assertThat(client.events()).as("%s was told of no gap", client)
            .noneMatch(event -> event.type().equals("reset"));
      }
    }
    assertThat(moved).as("the killed node had clients").isGreaterThan(CLIENTS / 10);
    assertThat(resets).as("gaps announced (a replay from the node's history or Redis should have none)").isZero();
  }

  private static String answeredBy(Published published) {
    return String.valueOf(published.upstreams().get(published.upstreams().size() - 1));
  }

  /** Restarts Redis, on the same port and data, once the producer was refused: Redis restarts under it. */
  private static Thread restartOnceRefused(RedisServer redis, AtomicInteger failedAttempts) {
    int before = failedAttempts.get();
    Thread restarter = new Thread(() -> {
      Probes.await(DEADLINE, () -> failedAttempts.get() > before, () -> "no publish failed while Redis was down");
      try {
        redis.restart();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, "redis-restarter");
    restarter.start();
    return restarter;
  }

  /**
   * Checks a client's events: m0, m1, ... each once and in order, a gap only right after a {@code reset}, up to the
   * last; greetings ({@code connected}) come with each connection.
   *
   * @return how many resets it got
   */
  private static int checkEveryMessageOnceInOrder(Client client) {
    int next = 0;
    int resets = 0;
    boolean announced = false;
    for (MessageEvent event : client.events()) {
      if (event.type().equals("reset")) {
        resets++;
        announced = true;
        continue;
      }
      if (event.data().equals("connected")) {
        continue;
      }
      assertThat(event.data()).as("%s: an event of the producer's", client).startsWith("m");
      int number = Integer.parseInt(event.data().substring(1));
      if (number != next) {
        assertThat(number).as("%s: %s after m%d: a duplicate or a reordering", client, event.data(), next - 1)
            .isGreaterThan(next);
        assertThat(announced).as("%s: m%d to m%d missing without a reset", client, next, number - 1).isTrue();
      }
      next = number + 1;
      announced = false;
    }
    assertThat(next).as("%s ends with the last event", client).isEqualTo(EVENTS);
    return resets;
  }
}
