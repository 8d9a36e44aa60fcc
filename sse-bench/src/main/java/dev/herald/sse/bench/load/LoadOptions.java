package dev.herald.sse.bench.load;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The load command's options; a preset fills in the scenario and explicit options override it. {@code urls} holds
 * every server the clients are spread over; the first is the one asked for the burst, the info and the memory.
 */
record LoadOptions(List<URI> urls, String scenario, int clients, int stalled, int events, int size, int rate,
    String out, long serverPid, int timeoutSeconds, int threads, int sourceAddresses, int h2cStreams, boolean gzip,
    boolean json) {

  static final String USAGE = String.join("\n",
      "Usage: java -jar sse-bench.jar load --url http://127.0.0.1:P [options]",
      "",
      "Opens SSE clients against a server on this machine (sse-bench server), waits until each has its",
      "greeting, triggers GET /bench/burst and reports one JSON line.",
      "",
      "Options:",
      "  --url URL             the server, on a loopback address (required); repeat it or give several",
      "                        comma-separated to spread the clients round-robin over several servers",
      "                        (cluster nodes): the burst, info, memory and CPU are the first one's",
      "  --preset NAME         " + Preset.names(),
      "  --clients C           clients that read (default 100)",
      "  --stalled K           more clients that stop reading after the greeting (default 0)",
      "  --events N            events in the burst; 0 for none (default 1000)",
      "  --size S              bytes of each event's data (default 64)",
      "  --rate R              events per second; 0 for back to back, paced by the clients (default 0)",
      "  --out FILE            also append the JSON line to FILE",
      "  --server-pid PID      the server's pid for RSS and CPU (default: asked from GET /bench/info)",
      "  --timeout SECONDS     the whole run's limit (default 120)",
      "  --threads N           client event loop threads (default: available processors)",
      "  --sources K           spread clients over source addresses 127.0.0.1 … 127.0.0.K",
      "                        (default: one per 5,000 clients)",
      "  --h2c STREAMS         cleartext HTTP/2 by prior knowledge (server --h2c on), STREAMS clients per",
      "                        connection, as a browser's tabs share one (default 0: HTTP/1.1, one each)",
      "  --gzip on|off         send Accept-Encoding: gzip and decode what comes gzip-encoded (default off)",
      "  --payload x|json      each event's data after the sender's time: x padding up to --size, or a",
      "                        realistic JSON order update of about 300 bytes, to measure compression (default x)");

  static LoadOptions parse(String... args) {
    List<URI> urls = new ArrayList<>();
    Preset preset = null;
    Integer clients = null;
    Integer stalled = null;
    Integer events = null;
    Integer size = null;
    Integer rate = null;
    String out = null;
    long pid = 0;
    int timeout = 120;
    int threads = Runtime.getRuntime().availableProcessors();
    int sources = 0;
    int h2cStreams = 0;
    boolean gzip = false;
    boolean json = false;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--url" -> {
          for (String one : value.split(",")) {
            urls.add(URI.create(one.trim()));
          }
        }
        case "--preset" -> preset = Preset.parse(value);
        case "--clients" -> clients = number(flag, value, 1, 100_000);
        case "--stalled" -> stalled = number(flag, value, 0, 100_000);
        case "--events" -> events = number(flag, value, 0, 10_000_000);
        case "--size" -> size = number(flag, value, 20, 1 << 20);
        case "--rate" -> rate = number(flag, value, 0, 10_000_000);
        case "--out" -> out = value;
        case "--server-pid" -> pid = number(flag, value, 1, Integer.MAX_VALUE);
        case "--timeout" -> timeout = number(flag, value, 1, 3600);
        case "--threads" -> threads = number(flag, value, 1, 256);
        case "--sources" -> sources = number(flag, value, 1, 254);
        case "--h2c" -> h2cStreams = number(flag, value, 1, 500);
        case "--gzip" -> gzip = value.equals("on");
        case "--payload" -> json = value.equals("json");
        default -> throw new IllegalArgumentException("unknown option: " + flag);
      }
    }
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("--url is required");
    }
    for (URI url : urls) {
      if (!"http".equals(url.getScheme()) || url.getHost() == null) {
        throw new IllegalArgumentException("--url must be http://HOST:PORT: " + url);
      }
      checkLoopback(url.getHost());
    }
    int c = pick(clients, preset == null ? 100 : preset.clients);
    return new LoadOptions(List.copyOf(urls), preset == null ? "custom" : preset.label(), c,
        pick(stalled, preset == null ? 0 : preset.stalled),
        pick(events, preset == null ? 1000 : preset.events),
        pick(size, preset == null ? 64 : preset.size),
        pick(rate, preset == null ? 0 : preset.rate),
        out, pid, timeout, threads,
        sources > 0 ? sources : Math.max(1, (c + 4_999) / 5_000), h2cStreams, gzip, json);
  }

  /** The load tool only ever targets this machine. */
  static void checkLoopback(String host) {
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        if (!address.isLoopbackAddress()) {
          throw new IllegalArgumentException("the load tool only targets loopback addresses; " + host + " is "
              + address.getHostAddress());
        }
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host: " + host);
    }
  }

  /** The first server: the one asked for the burst, the info and the memory. */
  URI url() {
    return urls.get(0);
  }

  int port() {
    return port(url());
  }

  static int port(URI url) {
    return url.getPort() < 0 ? 80 : url.getPort();
  }

  private static int pick(Integer explicit, int fallback) {
    return explicit != null ? explicit : fallback;
  }

  private static int number(String flag, String value, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a number: " + value);
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(flag + " must be from " + min + " to " + max + ": " + n);
    }
    return n;
  }
}
