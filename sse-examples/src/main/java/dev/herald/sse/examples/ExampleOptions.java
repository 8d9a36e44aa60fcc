package dev.herald.sse.examples;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The example server's command line: {@code [--transport netty|jetty|tomcat|webflux] [--host H] [--port P]
 * [--heartbeat 10s] [--history N] [--redis redis://H:P] [--max-connections N] [--request-timeout 10s]
 * [--tls [--tls-cert cert.pem --tls-key key.pem]] [--compress]}.
 *
 * @param transport which server to run
 * @param host the address to listen on
 * @param port the port to listen on, 0 for any free one
 * @param heartbeat the heartbeat interval, zero for none
 * @param history how many events to keep for Last-Event-ID replay
 * @param redis the Redis URI that makes this server a cluster node, or {@code null} for a single server
 * @param maxConnections how many connections the server holds at once; streams get all but a few, which stay
 *     for {@code /stats}, broadcasts and {@code 503} answers (see {@link #maxStreams()})
 * @param requestTimeout how long a client may take to send a whole request, head and body, on every transport;
 *     a slower one is closed
 * @param tls whether to serve HTTPS (with HTTP/2 by ALPN) and with which certificate, or {@code null} for plain HTTP
 * @param compress whether streams are gzip-compressed, once per event for every client, when the client accepts it
 *     ({@link dev.herald.sse.core.StreamConfig.Builder#gzip(boolean)})
 */
public record ExampleOptions(Transport transport, String host, int port, Duration heartbeat, int history,
    @Nullable String redis, int maxConnections, Duration requestTimeout, @Nullable Tls tls, boolean compress) {

  /**
   * How the example serves HTTPS: with the certificate and key of these PEM files, or, when both are {@code null},
   * with a self-signed certificate for {@code 127.0.0.1} and {@code localhost} made at start.
   *
   * @param cert the certificate chain (PEM), or {@code null}
   * @param key its private key (PEM, PKCS#8), or {@code null}
   */
  public record Tls(@Nullable Path cert, @Nullable Path key) {}

  /** The servers the example runs on. */
  public enum Transport {
    /** Netty, through {@code sse-netty}. */
    NETTY,
    /** Embedded Jetty 12, through {@code sse-servlet}. */
    JETTY,
    /** Embedded Tomcat 11, through {@code sse-servlet}. */
    TOMCAT,
    /** Spring WebFlux on Reactor Netty, through {@code sse-webflux}. */
    WEBFLUX
  }

  /** How long a client may take to send a request unless {@code --request-timeout} says otherwise. */
  static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

  /** Usage text for {@code --help}. */
  public static final String USAGE = String.join("\n",
      "Usage: java -jar sse-examples.jar [options]",
      "",
      "Runs the Herald example: an /events broadcaster with a page at / that shows the stream live.",
      "",
      "Options:",
      "  --transport netty|jetty|tomcat|webflux",
      "                                  the server to run on (default netty)",
      "  --host ADDRESS                  the address to listen on (default 127.0.0.1)",
      "  --port PORT                     the port to listen on, 0 for any free port (default 8000)",
      "  --heartbeat DURATION            ': ping' to idle clients this often, e.g. 10s, 500ms, 0 for none"
          + " (default 10s)",
      "  --history N                     events kept for Last-Event-ID replay (default 4096, a client's"
          + " queue: 0 or at least that)",
      "  --max-connections N             connections held at once (default " + defaultMaxConnections()
          + ", from the fd limit);",
      "                                  streams past the last few get 503 with Retry-After",
      "  --request-timeout DURATION      how long a client may take to send a request, head and body (default 10s)",
      "  --tls                           serve HTTPS, with HTTP/2 for browsers (ALPN), on the same port; with",
      "                                  no certificate given, a self-signed one made at start (its SHA-256",
      "                                  fingerprint is printed)",
      "  --tls-cert FILE, --tls-key FILE the certificate chain and its PKCS#8 private key, in PEM (imply --tls)",
      "  --compress                      gzip the streams of clients that accept it (each event compressed once",
      "                                  for every client; off by default: see the README's Compression)",
      "  --redis URI                     run as a cluster node: every server started with the same Redis,",
      "                                  e.g. redis://127.0.0.1:6379, shares broadcasts and replay (default: none)",
      "  --help                          print this and exit",
      "",
      "Routes:",
      "  GET  /                 the live page",
      "  GET  /events           the event stream (text/event-stream)",
      "  GET  /events/{msg}     broadcast msg (percent-decoded UTF-8) to every subscriber",
      "  POST /events           broadcast the request body (UTF-8 text, at most 64 KiB)",
      "  GET  /stats            the broadcaster's counters as JSON");

  /** Thrown for a bad flag or value; its message is the one-line error to print. */
  public static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /**
   * Makes options for a single server (no Redis).
   *
   * @param transport which server to run
   * @param host the address to listen on
   * @param port the port to listen on, 0 for any free one
   * @param heartbeat the heartbeat interval, zero for none
   * @param history how many events to keep for Last-Event-ID replay
   */
  public ExampleOptions(Transport transport, String host, int port, Duration heartbeat, int history) {
    this(transport, host, port, heartbeat, history, null, defaultMaxConnections(), DEFAULT_REQUEST_TIMEOUT, null,
        false);
  }

  /**
   * Returns how many streams may be open at once: all connections but a reserve of one in eight, at most 128, so
   * that a server full of streams still answers {@code /stats}, takes broadcasts and refuses a stream with
   * {@code 503} instead of leaving it waiting for a connection.
   *
   * @return the broadcaster's client limit
   */
  public int maxStreams() {
    return Math.max(1, maxConnections - Math.max(1, Math.min(128, maxConnections / 8)));
  }

  /**
   * The default connection limit: 10,000, or less where the process may open fewer files, leaving 256 for the
   * server's own (jars, logs, Redis).
   */
  static int defaultMaxConnections() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
      long fds = unix.getMaxFileDescriptorCount();
      return (int) Math.max(64, Math.min(10_000, fds - 256));
    }
    return 10_000;
  }

  /**
   * Returns the defaults: netty, 127.0.0.1, port 8000, heartbeat 10 s, history 4096 (a client's queue), no Redis,
   * at most 10,000 connections (fewer where the fd limit is lower), 10 s for a request.
   *
   * @return the default options
   */
  public static ExampleOptions defaults() {
    return new ExampleOptions(Transport.NETTY, "127.0.0.1", 8000, Duration.ofSeconds(10), 4096, null,
        defaultMaxConnections(), DEFAULT_REQUEST_TIMEOUT, null, false);
  }

  /**
   * Parses the command line.
   *
   * @param args the arguments
   * @return the options, or {@code null} if {@code --help} was asked for
   * @throws UsageException if a flag or value is bad
   */
  public static ExampleOptions parse(String... args) throws UsageException {
    ExampleOptions options = defaults();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--help") || flag.equals("-h")) {
        return null;
      }
      if (flag.equals("--compress")) {
        options = options.withCompress(true);
        continue;
      }
      if (flag.equals("--tls")) {
        options = options.withTls(options.tls() == null ? new Tls(null, null) : options.tls());
        continue;
      }
      String value;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      } else {
        if (i + 1 >= args.length) {
          throw new UsageException(flag.startsWith("--") ? flag + " needs a value" : "unknown argument: " + flag);
        }
        value = args[++i];
      }
      options = switch (flag) {
        case "--transport" -> options.withTransport(parseTransport(value));
        case "--host" -> options.withHost(value);
        case "--port" -> options.withPort(parsePort(value));
        case "--heartbeat" -> options.withHeartbeat(parseDuration(flag, value, false));
        case "--history" -> options.withHistory(parseCount(flag, value, 0));
        case "--redis" -> options.withRedis(parseRedis(value));
        case "--max-connections" -> options.withMaxConnections(parseCount(flag, value, 2));
        case "--request-timeout" -> options.withRequestTimeout(parseDuration(flag, value, true));
        case "--tls-cert" -> options.withTls(new Tls(Path.of(value), keyOf(options.tls())));
        case "--tls-key" -> options.withTls(new Tls(certOf(options.tls()), Path.of(value)));
        default -> throw new UsageException("unknown option: " + flag);
      };
    }
    Tls tls = options.tls();
    if (tls != null && (tls.cert() == null) != (tls.key() == null)) {
      throw new UsageException("--tls-cert and --tls-key go together");
    }
    return options;
  }

  private static @Nullable Path certOf(@Nullable Tls tls) {
    return tls == null ? null : tls.cert();
  }

  private static @Nullable Path keyOf(@Nullable Tls tls) {
    return tls == null ? null : tls.key();
  }

  /**
   * Returns these options serving HTTPS, or plain HTTP.
   *
   * @param tls the certificate to serve HTTPS with, or {@code null} for plain HTTP
   * @return new options
   */
  public ExampleOptions withTls(@Nullable Tls tls) {
    return new ExampleOptions(transport, host, port, heartbeat, history, redis, maxConnections, requestTimeout, tls,
        compress);
  }

  /**
   * Returns these options with streams gzip-compressed for clients that accept it, or not.
   *
   * @param compress whether to compress
   * @return new options
   */
  public ExampleOptions withCompress(boolean compress) {
    return new ExampleOptions(transport, host, port, heartbeat, history, redis, maxConnections, requestTimeout, tls,
        compress);
  }

  private ExampleOptions withTransport(Transport transport) {
    return new ExampleOptions(transport, host, port, heartbeat, history, redis, maxConnections, requestTimeout, tls,
        compress);
  }

  private ExampleOptions withHost(String host) {
    return new ExampleOptions(transport, host, port, heartbeat, history, redis, maxConnections, requestTimeout, tls,
        compress);
  }

  /**
   * Returns these options with another port.
   *
   * @param port the port, 0 for any free one
   * @return new options
   */
  public ExampleOptions withPort(int port) {
    return new ExampleOptions(transport, host, port, heartbeat, history, redis, maxConnections, requestTimeout, tls,
        compress);
  }

  private ExampleOptions withHeartbeat(Duration heartbeat) {
    return new ExampleOptions(transport, host, port, heartbeat, history, redis, maxConnections, requestTimeout, tls,
        compress);
  }

  private ExampleOptions withHistory(int history) {
    return new ExampleOptions(transport, host, port, heartbeat, history, redis, maxConnections, requestTimeout, tls,
        compress);
  }

  /**
   * Returns these options with another Redis, or none.
   *
   * @param redis the Redis URI that makes the server a cluster node, or {@code null} for a single server
   * @return new options
   */
  public ExampleOptions withRedis(@Nullable String redis) {
    return new ExampleOptions(transport, host, port, heartbeat, history, redis, maxConnections, requestTimeout, tls,
        compress);
  }

  /**
   * Returns these options with another connection limit.
   *
   * @param maxConnections how many connections the server holds at once, at least 2
   * @return new options
   */
  public ExampleOptions withMaxConnections(int maxConnections) {
    return new ExampleOptions(transport, host, port, heartbeat, history, redis, maxConnections, requestTimeout, tls,
        compress);
  }

  /**
   * Returns these options with another request timeout.
   *
   * @param requestTimeout how long a client may take to send a whole request, positive
   * @return new options
   */
  public ExampleOptions withRequestTimeout(Duration requestTimeout) {
    return new ExampleOptions(transport, host, port, heartbeat, history, redis, maxConnections, requestTimeout, tls,
        compress);
  }

  /**
   * Returns these options with another transport.
   *
   * @param transport the transport
   * @return new options
   */
  public ExampleOptions on(Transport transport) {
    return withTransport(transport);
  }

  private static Transport parseTransport(String value) throws UsageException {
    try {
      return Transport.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--transport must be netty, jetty, tomcat or webflux: " + value);
    }
  }

  private static int parsePort(String value) throws UsageException {
    try {
      int port = Integer.parseInt(value);
      if (port < 0 || port > 65535) {
        throw new UsageException("--port must be from 0 to 65535: " + value);
      }
      return port;
    } catch (NumberFormatException e) {
      throw new UsageException("--port must be a number: " + value);
    }
  }

  /** Parses a whole number of at least {@code min} for a flag. */
  private static int parseCount(String flag, String value, int min) throws UsageException {
    try {
      int count = Integer.parseInt(value);
      if (count < min) {
        throw new UsageException(flag + " must be at least " + min + ": " + value);
      }
      return count;
    } catch (NumberFormatException e) {
      throw new UsageException(flag + " must be a number: " + value);
    }
  }

  private static String parseRedis(String value) throws UsageException {
    try {
      URI uri = new URI(value);
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equals("redis") || scheme.equals("rediss")) || uri.getHost() == null) {
        throw new UsageException("--redis must be a URI such as redis://127.0.0.1:6379: " + value);
      }
      return value;
    } catch (URISyntaxException e) {
      throw new UsageException("--redis must be a URI such as redis://127.0.0.1:6379: " + value);
    }
  }

  /**
   * Parses {@code 10s}, {@code 500ms}, {@code 2m}, {@code 0}, or an ISO-8601 duration such as {@code PT10S}, for a
   * flag; zero is refused where the flag needs a positive duration.
   */
  static Duration parseDuration(String flag, String value, boolean positive) throws UsageException {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      Duration duration;
      if (v.equals("0")) {
        duration = Duration.ZERO;
      } else if (v.endsWith("ms")) {
        duration = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      } else if (v.endsWith("s")) {
        duration = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
      } else if (v.endsWith("m")) {
        duration = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
      } else {
        duration = Duration.parse(value);
      }
      if (duration.isNegative() || positive && duration.isZero()) {
        throw new UsageException(flag + " must be " + (positive ? "positive" : "zero or more") + ": " + value);
      }
      return duration;
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new UsageException(flag + " must be a duration such as 10s or 500ms: " + value);
    }
  }
}
