package dev.herald.sse.bench.server;

import dev.herald.sse.bench.Io;
import dev.herald.sse.examples.ExampleApp;
import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.netty.Http2Options;
import dev.herald.sse.netty.NettyHttp2;
import dev.herald.sse.examples.ExampleOptions;
import dev.herald.sse.micrometer.BroadcasterMetrics;
import dev.herald.sse.micrometer.DeliveryDelayRecorder;
import dev.herald.sse.redis.RedisBackplane;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ChannelHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code server --transport netty|raw|jetty|tomcat|jetty-idle|tomcat-idle|webflux|webflux-sink [--host H] [--port P]
 * [--threads T] [--redis URL] [--h2c on|off] [--gzip off|herald|connection]}: the example's routes plus the bench
 * routes, until killed.
 */
public final class ServerCommand {
  static final String USAGE = String.join("\n",
      "Usage: java -jar sse-bench.jar server [options]",
      "",
      "Serves the example's /events and /events/{msg}, plus:",
      "  GET /bench/burst?count=N&size=S&rate=R  N broadcasts of S bytes (the sender's nanoTime, padded with x)",
      "                                         at R/s, or back to back and paced by the clients when R=0;",
      "                                         200 at once, 409 while a burst runs",
      "  GET /bench/info                        {\"pid\":…,\"transport\":…,\"clients\":…}",
      "  GET /bench/gc                          runs System.gc() and answers the heap in use",
      "",
      "Options:",
      "  --transport T           netty: Herald on Netty (default); raw: the floor, plain Netty writing one shared",
      "                          buffer; jetty, tomcat: Herald's ServletSse in embedded Jetty 12 (ee10) or",
      "                          Tomcat 11; jetty-idle, tomcat-idle: a servlet that only holds each stream",
      "                          after its greeting (the container's own cost per connection; no bursts);",
      "                          webflux: Herald's WebFluxSse on Spring WebFlux and Reactor Netty;",
      "                          webflux-sink: the peer, WebFlux's Flux<ServerSentEvent> of one multicast sink",
      "  --host ADDRESS          default 127.0.0.1",
      "  --port PORT             default 8000; 0 for any free port",
      "  --threads N             event loop threads for netty and raw (default: available processors)",
      "  --history N             replay history (default: as long as the queue, as the example's)",
      "  --queue-events N        each client's queue in events (default 4096, Herald's default); a client",
      "                          that falls further behind is disconnected as a slow consumer",
      "  --pacing-watermark N    ChannelConfig.pacingWatermark (default: Herald's); on a cluster, how many paced",
      "                          events a node's producer may have in flight ahead of the slowest node",
      "  --redis URL             a cluster node: the broadcaster gets a RedisBackplane on URL",
      "                          (redis://127.0.0.1:6379), as the example's --redis does; ids are Redis's",
      "  --metrics on|off        on: the broadcaster's sse-micrometer meters, delivery delay timer included,",
      "                          bound to an in-memory registry (default off), for their cost under load",
      "  --h2c on|off            netty and raw: the port also speaks cleartext HTTP/2 (prior knowledge),",
      "                          through NettyHttp2.cleartext, for load --h2c (default off: HTTP/1.1 only)",
      "  --gzip off|herald|connection",
      "                          herald: Herald's gzip, each event compressed once for every client",
      "                          (StreamConfig.gzip, netty and the servlet containers); connection: Netty's",
      "                          HttpContentCompressor, a compressor per connection (netty); for clients",
      "                          that send Accept-Encoding: gzip (load --gzip); default off",
      "  --send-buffer BYTES     each accepted socket's SO_SNDBUF (netty, raw, jetty, tomcat), which turns off",
      "                          the kernel's autotuning of it; 0: the kernel's default, autotuned (default 0)",
      "  --io nio|epoll          netty and raw: the server's Netty I/O (default nio; the load client is NIO)",
      "  --notsent-lowat BYTES   netty and raw with --io epoll: each accepted socket's TCP_NOTSENT_LOWAT, how much",
      "                          the kernel may hold not yet sent (0: the kernel's default, unlimited; default 0)");

  static final List<String> TRANSPORTS = List.of("netty", "raw", "jetty", "tomcat", "jetty-idle", "tomcat-idle",
      "webflux", "webflux-sink");

  private ServerCommand() {}

  public static int run(String[] args) throws Exception {
    String transport = "netty";
    String host = "127.0.0.1";
    int port = 8000;
    int threads = Runtime.getRuntime().availableProcessors();
    int history = -1; // as long as the queue: a client cut as slow can resume
    int queueEvents = ChannelConfig.defaults().maxQueuedEvents();
    int watermark = 0; // Herald's default
    String redis = null;
    boolean metrics = false;
    boolean h2c = false;
    String gzip = "off";
    int sendBuffer = 0;
    boolean epoll = false;
    long notSentLowat = 0;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--help") || flag.equals("-h")) {
        System.out.println(USAGE);
        return 0;
      }
      if (i + 1 >= args.length) {
        System.err.println(flag + " needs a value\n\n" + USAGE);
        return 2;
      }
      String value = args[++i];
      switch (flag) {
        case "--transport" -> transport = value;
        case "--host" -> host = value;
        case "--port" -> port = Integer.parseInt(value);
        case "--threads" -> threads = Integer.parseInt(value);
        case "--history" -> history = Integer.parseInt(value);
        case "--queue-events" -> queueEvents = Integer.parseInt(value);
        case "--pacing-watermark" -> watermark = Integer.parseInt(value);
        case "--redis" -> redis = value;
        case "--metrics" -> metrics = value.equals("on");
        case "--h2c" -> h2c = value.equals("on");
        case "--gzip" -> gzip = value;
        case "--send-buffer" -> sendBuffer = Integer.parseInt(value);
        case "--io" -> epoll = value.equals("epoll");
        case "--notsent-lowat" -> notSentLowat = Long.parseLong(value);
        default -> {
          System.err.println("unknown option: " + flag + "\n\n" + USAGE);
          return 2;
        }
      }
    }
    if (!TRANSPORTS.contains(transport)) {
      System.err.println("--transport must be one of " + TRANSPORTS + ": " + transport);
      return 2;
    }
    if (!List.of("off", "herald", "connection").contains(gzip)
        || gzip.equals("connection") && !transport.equals("netty") && !transport.equals("raw")
        || gzip.equals("herald") && !List.of("netty", "jetty", "tomcat").contains(transport)) {
      System.err.println("--gzip must be off, herald (netty, jetty, tomcat) or connection (netty, raw): " + gzip);
      return 2;
    }
    if ((epoll || notSentLowat > 0) && !transport.equals("netty") && !transport.equals("raw")
        || notSentLowat > 0 && !epoll) {
      System.err.println("--io epoll needs --transport netty or raw, and --notsent-lowat needs --io epoll");
      return 2;
    }
    if (h2c && !transport.equals("netty") && !transport.equals("raw")) {
      System.err.println("--h2c on needs --transport netty or raw, not " + transport);
      return 2;
    }
    if (redis != null && (transport.equals("raw") || transport.endsWith("-idle") || transport.endsWith("-sink"))) {
      System.err.println("--redis needs a Herald transport (netty, jetty or tomcat), not " + transport);
      return 2;
    }
    ExampleApp app = new ExampleApp(ExampleOptions.defaults());
    DeliveryDelayRecorder delays = metrics ? new DeliveryDelayRecorder() : null;
    // The example's broadcaster (greeting, ids, heartbeat, history), with the chosen queue.
    ChannelConfig.Builder channel = ChannelConfig.builder()
        .maxQueuedEvents(queueEvents)
        .maxQueuedBytes(Math.max(1L << 20, queueEvents * 256L));
    if (watermark > 0) {
      channel.pacingWatermark(watermark);
    }
    Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
        .greeting(Data.of("connected"))
        .heartbeat(Duration.ofSeconds(10))
        .assignIds(true)
        .history(history < 0 ? queueEvents : history)
        .channel(channel.build())
        .backplane(redis == null ? null : RedisBackplane.create(redis))
        .deliveryObserver(delays)
        .build());
    if (delays != null) {
      new BroadcasterMetrics(broadcaster, delays).bindTo(new SimpleMeterRegistry());
    }
    String label = transport
        + (transport.endsWith("-idle") || transport.endsWith("-sink") || transport.equals("raw")
            || queueEvents == ChannelConfig.defaults().maxQueuedEvents() ? "" : "-q" + queueEvents)
        + (watermark > 0 ? "-w" + watermark : "")
        + (redis == null ? "" : "-redis")
        + (metrics ? "-metrics" : "")
        + (h2c ? "-h2c" : "")
        + (gzip.equals("off") ? "" : "-gzip-" + gzip)
        + (sendBuffer > 0 ? "-sndbuf" + sendBuffer / 1024 + "k" : "")
        + (epoll ? "-epoll" : "")
        + (notSentLowat > 0 ? "-lowat" + notSentLowat / 1024 + "k" : "");
    StreamConfig streams = StreamConfig.builder().gzip(gzip.equals("herald")).build();
    if (transport.startsWith("webflux")) {
      return WebFluxBench.serve(transport, label, host, port, app, broadcaster);
    }
    if (!transport.equals("netty") && !transport.equals("raw")) {
      return serveServlet(transport, label, host, port, app, broadcaster, streams, sendBuffer);
    }
    BenchHandler handler = new BenchHandler(label, app, broadcaster,
        transport.equals("raw") ? new RawFanout() : null, streams);
    boolean compressor = gzip.equals("connection");
    ChannelHandler connection = h2c
        ? NettyHttp2.cleartext(Http2Options.defaults(), p -> {
            if (compressor) {
              p.addLast(new HttpContentCompressor());
            }
            p.addLast(handler);
          })
        : new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new HttpServerCodec());
              if (compressor) {
                ch.pipeline().addLast(new HttpContentCompressor());
              }
              ch.pipeline().addLast(handler);
            }
          };
    EventLoopGroup boss = Io.group(1, epoll);
    EventLoopGroup workers = Io.group(threads, epoll);
    try {
      Channel server = new ServerBootstrap()
          .group(boss, workers)
          .channel(Io.serverChannel(epoll))
          .option(ChannelOption.SO_BACKLOG, 8192)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.SO_SNDBUF, sendBuffer > 0 ? sendBuffer : null)
          .childOption(EpollChannelOption.TCP_NOTSENT_LOWAT, notSentLowat > 0 ? notSentLowat : null)
          .childHandler(connection)
          .bind(host, port).sync().channel();
      InetSocketAddress address = (InetSocketAddress) server.localAddress();
      System.out.printf("sse-bench server: transport %s, %s, %d threads, pid %d, on http://%s:%d/events%n",
          label, epoll ? "epoll" : "NIO", threads, ProcessHandle.current().pid(), address.getHostString(), address.getPort());
      System.out.flush();
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        broadcaster.close();
        app.close();
        server.close();
        stopped.countDown();
      }));
      server.closeFuture().sync();
      stopped.await();
    } finally {
      boss.shutdownGracefully();
      workers.shutdownGracefully();
    }
    return 0;
  }

  private static int serveServlet(String transport, String label, String host, int port, ExampleApp app,
      Broadcaster broadcaster, StreamConfig streams, int sendBuffer) throws Exception {
    boolean idle = transport.endsWith("-idle");
    if (idle) {
      broadcaster.close(); // the floor holds streams itself
    }
    String container = idle ? transport.substring(0, transport.length() - "-idle".length()) : transport;
    ServletContainer server = ServletContainer.start(container,
        new BenchServlet(label, app, idle ? null : broadcaster, streams), host, port, sendBuffer);
    System.out.printf("sse-bench server: transport %s, pid %d, on http://%s:%d/events%n",
        label, ProcessHandle.current().pid(), host, server.port());
    System.out.flush();
    return runUntilKilled(broadcaster, app, () -> {
      try {
        server.close();
      } catch (IllegalStateException e) {
        System.err.println(e.getMessage() + ": " + e.getCause());
      }
    });
  }

  /** Waits until the process is killed; then ends the streams, the app and the server, in that order. */
  static int runUntilKilled(Broadcaster broadcaster, ExampleApp app, Runnable stopServer)
      throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      broadcaster.close();
      app.close();
      stopServer.run();
      stopped.countDown();
    }));
    stopped.await();
    return 0;
  }
}
