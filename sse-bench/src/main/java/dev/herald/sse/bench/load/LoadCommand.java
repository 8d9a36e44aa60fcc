package dev.herald.sse.bench.load;

import dev.herald.sse.bench.Io;
import dev.herald.sse.bench.Json;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;

/**
 * {@code load}: opens the clients, waits for every greeting, triggers the burst, waits for the events (or for the
 * run's time limit, or for ten seconds without progress) and reports one JSON line.
 */
public final class LoadCommand {
  private static final long IDLE_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final int CONNECTING_AT_ONCE = 512;

  private final LoadOptions options;
  private final PrintStream progress = System.err;
  private final Run run = new Run();
  private final long deadline;

  private LoadCommand(LoadOptions options) {
    this.options = options;
    this.deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.timeoutSeconds());
  }

  public static int run(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      System.out.println(LoadOptions.USAGE);
      return args.length == 0 ? 2 : 0;
    }
    LoadOptions options;
    try {
      options = LoadOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage() + "\n\n" + LoadOptions.USAGE);
      return 2;
    }
    String line = new LoadCommand(options).execute();
    System.out.println(line);
    if (options.out() != null) {
      Path out = Path.of(options.out());
      if (out.getParent() != null) {
        Files.createDirectories(out.getParent());
      }
      Files.writeString(out, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
    return 0;
  }

  private String execute() throws Exception {
    Map<String, Object> info = Json.read(get("/bench/info"));
    String transport = String.valueOf(info.get("transport"));
    long pid = options.serverPid() > 0 ? options.serverPid() : ((Number) info.get("pid")).longValue();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("scenario", options.scenario());
    result.put("transport", transport);
    result.put("time", Instant.now().toString());
    result.put("loadAverageBefore", loadAverage());

    double heapBefore = heapAfterGc();
    long rssBefore = Proc.rssBytes(pid);

    EventLoopGroup group = Io.group(options.threads());
    List<Channel> channels = new ArrayList<>(options.clients() + options.stalled());
    long expected = 0;
    long received = 0;
    double seconds = 0;
    double serverCpu = -1;
    double clientCpu = -1;
    long rssIdle = -1;
    long rssAfter = -1;
    double heapIdle = -1;
    long triggered = 0;
    long bytesDuringBurst = 0;
    int readersLost = 0;
    int stalledLost = 0;
    Map<String, Object> serverNow = Map.of();
    try {
      connect(group, channels);
      int readers = run.readers.get();
      int stalled = run.stalled.get();
      heapIdle = heapAfterGc();
      rssIdle = Proc.rssBytes(pid);
      double serverCpuBefore = Proc.cpuSeconds(pid);
      double clientCpuBefore = Proc.cpuSeconds(ProcessHandle.current().pid());
      expected = (long) readers * options.events();
      long bytesBefore = run.bytes.sum();
      if (options.events() > 0 && readers > 0) {
        String answer = get("/bench/burst?count=" + options.events() + "&size=" + options.size() + "&rate="
            + options.rate() + (options.json() ? "&payload=json" : ""));
        triggered = System.nanoTime();
        progress.println("burst: " + answer.trim());
        awaitEvents(expected, triggered);
      }
      bytesDuringBurst = run.bytes.sum() - bytesBefore;
      serverCpu = Proc.cpuSeconds(pid) - serverCpuBefore;
      clientCpu = Proc.cpuSeconds(ProcessHandle.current().pid()) - clientCpuBefore;
      rssAfter = Proc.rssBytes(pid);
      result.put("clients", options.clients());
      result.put("connected", readers);
      result.put("failed", run.failed.get());
      result.put("stalled", options.stalled());
      result.put("stalledConnected", stalled);
      // Before our own closes below, which the clients would count as disconnections.
      readersLost = run.readersLost.get();
      stalledLost = run.stalledLost.get();
      serverNow = Json.read(get("/bench/info"));
    } finally {
      for (Channel channel : channels) {
        if (channel.isOpen()) {
          try {
            channel.config().setOption(ChannelOption.SO_LINGER, 0); // no TIME_WAIT left behind on the client
          } catch (ChannelException e) {
            // closed meanwhile: nothing to linger
          }
          channel.close();
        }
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
    // The loops have stopped: their statistics are final and visible here.
    Histogram latency = new Histogram(Client.MAX_LATENCY_MICROS, 3);
    long last = 0;
    for (Client.LoopStats loop : run.loops()) {
      latency.add(loop.histogram);
      received += loop.received;
      last = Math.max(last, loop.lastReceivedNanos);
    }
    if (triggered != 0 && last > triggered) {
      seconds = (last - triggered) / 1e9;
    }
    result.put("events", options.events());
    result.put("size", options.size());
    result.put("rate", options.rate());
    result.put("expected", expected);
    result.put("received", received);
    result.put("lost", expected - received);
    result.put("readersDisconnected", readersLost);
    result.put("stalledDisconnected", stalledLost);
    result.put("seconds", seconds);
    result.put("eventsPerSecond", seconds > 0 ? received / seconds : 0.0);
    result.put("p50Ms", millis(latency, 50));
    result.put("p99Ms", millis(latency, 99));
    result.put("p999Ms", millis(latency, 99.9));
    result.put("maxMs", latency.getTotalCount() == 0 ? 0.0 : latency.getMaxValue() / 1000.0);
    int connectedAll = run.readers.get() + run.stalled.get();
    result.put("serverRssIdleMiB", rssIdle / 1048576.0);
    result.put("serverRssEndMiB", rssAfter / 1048576.0);
    result.put("rssPerClientKiB", connectedAll > 0 && rssBefore > 0 ? (rssIdle - rssBefore) / 1024.0 / connectedAll
        : -1.0);
    result.put("heapPerClientKiB", connectedAll > 0 && heapBefore >= 0 && heapIdle >= 0
        ? (heapIdle - heapBefore) / 1024.0 / connectedAll : -1.0);
    result.put("protocol", options.h2cStreams() > 0 ? "h2c" : "http/1.1");
    result.put("streamsPerConnection", options.h2cStreams() > 0 ? options.h2cStreams() : 1);
    result.put("gzip", options.gzip());
    result.put("payload", options.json() ? "json" : "x");
    result.put("bytesReceived", bytesDuringBurst);
    result.put("bytesPerEvent", received > 0 ? (double) bytesDuringBurst / received : 0.0);
    result.put("serverCpuSeconds", serverCpu);
    result.put("serverCpuMicrosPerEvent", received > 0 && serverCpu >= 0 ? serverCpu * 1e6 / received : -1.0);
    result.put("clientCpuSeconds", clientCpu);
    result.put("serverClientsAfter", serverNow.get("clients"));
    result.put("serverSlowDisconnected", serverNow.get("slowDisconnected"));
    result.put("loadAverageAfter", loadAverage());
    result.put("firstFailure", run.firstFailure.get());
    result.put("servers", options.urls().size());
    result.put("command", "load --url " + options.urls().stream().map(URI::toString)
        .collect(java.util.stream.Collectors.joining(",")) + " --clients " + options.clients() + " --stalled "
        + options.stalled() + " --events " + options.events() + " --size " + options.size() + " --rate "
        + options.rate() + " --threads " + options.threads()
        + (options.h2cStreams() > 0 ? " --h2c " + options.h2cStreams() : "") + (options.gzip() ? " --gzip on" : "")
        + (options.json() ? " --payload json" : ""));
    return Json.write(result);
  }

  private void connect(EventLoopGroup group, List<Channel> channels) throws InterruptedException {
    List<URI> urls = options.urls();
    Bootstrap bootstrap = new Bootstrap()
        .group(group)
        .channel(Io.clientChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
    Semaphore opening = new Semaphore(CONNECTING_AT_ONCE);
    int total = options.clients() + options.stalled();
    long[] lastReport = {System.nanoTime()};
    for (int i = 0; i < total; i++) {
      boolean stalled = i >= options.clients();
      Runnable release = slot(opening, lastReport, total);
      URI url = urls.get(i % urls.size());
      InetSocketAddress server = new InetSocketAddress(url.getHost(), LoadOptions.port(url));
      String authority = url.getHost() + ":" + LoadOptions.port(url);
      InetSocketAddress source = new InetSocketAddress("127.0.0." + (1 + i % options.sourceAddresses()), 0);
      int streams = options.h2cStreams();
      if (streams > 0) {
        // One HTTP/2 connection for this client and the next streams - 1, as a browser's tabs share one.
        List<Client> clients = new ArrayList<>();
        List<Runnable> releases = new ArrayList<>(List.of(release));
        clients.add(new Client(run, authority, "/events", stalled, release, true, options.gzip()));
        while (clients.size() < streams && i + 1 < total) {
          i++;
          Runnable free = slot(opening, lastReport, total);
          releases.add(free);
          clients.add(new Client(run, authority, "/events", i >= options.clients(), free, true, options.gzip()));
        }
        ChannelFuture future = H2c.connect(bootstrap.clone(), server, source, clients, run);
        channels.add(future.channel());
        future.channel().closeFuture().addListener(f -> releases.forEach(Runnable::run));
        lastReport[0] = reportConnecting(lastReport[0], total);
        continue;
      }
      Client client = new Client(run, authority, "/events", stalled, release, false, options.gzip());
      ChannelFuture future = bootstrap.clone()
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(client);
            }
          })
          .connect(server, source);
      channels.add(future.channel());
      future.addListener(f -> {
        if (!f.isSuccess()) {
          run.failed("connect: " + f.cause().getMessage());
        }
      });
      // A slot frees when the greeting arrives or the connection ends, whichever comes first.
      future.channel().closeFuture().addListener(f -> release.run());
      lastReport[0] = reportConnecting(lastReport[0], total);
    }
    while (run.readers.get() + run.stalled.get() + run.failed.get() < total) {
      checkDeadline("waiting for greetings");
      Thread.sleep(50);
      lastReport[0] = reportConnecting(lastReport[0], total);
    }
    progress.printf("connected %d readers and %d stalled clients; %d failed%s%n", run.readers.get(),
        run.stalled.get(), run.failed.get(), run.failed.get() > 0 ? " (first: " + run.firstFailure.get() + ")" : "");
  }

  /**
   * Waits for a free connecting slot (at most {@link #CONNECTING_AT_ONCE} clients connect at once) and returns what
   * frees it, once, when the client's greeting arrives or its connection ends, whichever comes first.
   */
  private Runnable slot(Semaphore opening, long[] lastReport, int total) throws InterruptedException {
    while (!opening.tryAcquire(100, TimeUnit.MILLISECONDS)) {
      checkDeadline("connecting");
      lastReport[0] = reportConnecting(lastReport[0], total);
    }
    AtomicBoolean settled = new AtomicBoolean();
    return () -> {
      if (settled.compareAndSet(false, true)) {
        opening.release();
      }
    };
  }

  private long reportConnecting(long lastReport, int total) {
    long now = System.nanoTime();
    if (now - lastReport < TimeUnit.SECONDS.toNanos(1)) {
      return lastReport;
    }
    progress.printf("connecting: %d/%d greeted, %d failed%n", run.readers.get() + run.stalled.get(), total,
        run.failed.get());
    return now;
  }

  private void awaitEvents(long expected, long triggered) throws InterruptedException {
    long lastCount = -1;
    long lastProgress = System.nanoTime();
    long lastReport = lastProgress;
    long reportedCount = 0;
    while (true) {
      long count = run.received.sum();
      long now = System.nanoTime();
      if (count >= expected) {
        break;
      }
      if (count != lastCount) {
        lastCount = count;
        lastProgress = now;
      } else if (now - lastProgress > IDLE_LIMIT_NANOS) {
        progress.println("no event for 10 s: stopping");
        break;
      }
      if (now > deadline) {
        progress.println("time limit reached: stopping");
        break;
      }
      if (now - lastReport >= TimeUnit.SECONDS.toNanos(1)) {
        progress.printf("%.0f s: received %d/%d events, %.0f/s%n", (now - triggered) / 1e9, count, expected,
            (count - reportedCount) * 1e9 / (now - lastReport));
        lastReport = now;
        reportedCount = count;
      }
      Thread.sleep(5);
    }
  }

  private void checkDeadline(String what) {
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException("time limit reached while " + what);
    }
  }

  private double heapAfterGc() {
    try {
      return ((Number) Json.read(get("/bench/gc")).get("heapUsed")).doubleValue();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The one-minute load average: other work on this shared machine shows here. */
  private static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static double millis(Histogram histogram, double percentile) {
    return histogram.getTotalCount() == 0 ? 0.0 : histogram.getValueAtPercentile(percentile) / 1000.0;
  }

  private String get(String path) throws IOException {
    URI uri = options.url().resolve(path);
    HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
    connection.setConnectTimeout(5_000);
    connection.setReadTimeout(60_000);
    try {
      int status = connection.getResponseCode();
      InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
      String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (status != 200) {
        throw new IOException("GET " + path + ": " + status + " " + body.trim());
      }
      return body;
    } finally {
      connection.disconnect();
    }
  }
}
