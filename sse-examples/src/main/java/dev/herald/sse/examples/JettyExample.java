package dev.herald.sse.examples;

import io.netty.util.NetUtil;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.AbstractHTTP2ServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.jspecify.annotations.Nullable;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example on embedded Jetty 12 (ee10), through {@code sse-servlet}: a connection limit above the stream limit,
 * an accept queue as deep as Netty's, and a deadline for request heads.
 */
final class JettyExample implements RunningServer {
  private static final Logger log = LoggerFactory.getLogger(JettyExample.class);

  private final Server server;
  private final ServerConnector connector;

  private JettyExample(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  static RunningServer start(ExampleApp app, ExampleOptions options, @Nullable TlsMaterial tls) throws Exception {
    Server server = new Server();
    // GET /events/{msg} carries any text in one path segment: a new line is %0A, a slash %2F. Servlet 6 lets a
    // container refuse such "suspicious" paths and Jetty does by default; the example reads the raw URI and
    // decodes it itself (answering 400 for bad escapes), so it asks Jetty to let them through.
    HttpConfiguration http = new HttpConfiguration();
    http.setUriCompliance(UriCompliance.DEFAULT.with("herald-example",
        UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
        UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
        UriCompliance.Violation.AMBIGUOUS_PATH_SEGMENT,
        UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT,
        UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS,
        UriCompliance.Violation.BAD_PERCENT_ENCODING,
        UriCompliance.Violation.BAD_UTF8_ENCODING,
        UriCompliance.Violation.TRUNCATED_UTF8_ENCODING,
        UriCompliance.Violation.UTF16_ENCODINGS));
    ServerConnector connector = tls == null
        // HTTP/1.1, and HTTP/2 without TLS for a client that starts with its preface or asks with Upgrade: h2c.
        ? new ServerConnector(server, new HttpConnectionFactory(http), http2(new HTTP2CServerConnectionFactory(http)))
        : new ServerConnector(server, secure(http, tls));
    connector.setHost(options.host());
    connector.setPort(options.port());
    // Jetty's accept queue is 50 by default: a burst of connects past it waits a second for a retried SYN. The
    // OS's somaxconn, as Netty uses.
    connector.setAcceptQueueSize(NetUtil.SOMAXCONN);
    // Jetty's idle timeout restarts on every byte, so a client that sends its head a byte a second is never
    // closed by it; this closes a connection whose head is still unfinished after the request timeout.
    connector.addBean(new HeadDeadline(server, options.requestTimeout()));
    server.addConnector(connector);
    // Past this many connections Jetty stops accepting (they wait in the accept queue) instead of running out of
    // file descriptors. Streams stop below it (the broadcaster's client limit, 503), so /stats and broadcasts
    // still get in.
    server.addBean(new NetworkConnectionLimit(options.maxConnections(), connector));
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    ServletHolder holder = new ServletHolder("example", new ExampleServlet(app));
    holder.setAsyncSupported(true);
    context.addServlet(holder, "/*");
    context.getServletHandler().setDecodeAmbiguousURIs(true);
    server.setHandler(context);
    // Bad requests that Jetty answers itself (a malformed escape in the path) get one plain-text line too.
    server.setErrorHandler(new PlainErrorHandler());
    server.setStopTimeout(2_000);
    // Before Jetty closes any connection, the streams end with their last chunk: however the server is stopped.
    server.addEventListener(new LifeCycle.Listener() {
      @Override
      public void lifeCycleStopping(LifeCycle event) {
        app.close();
      }
    });
    server.start();
    return new JettyExample(server, connector);
  }

  /**
   * Closes a connection whose request head is still unfinished at two checks in a row, one request timeout apart,
   * so a head that trickles in is closed within twice the timeout; a stream, or a connection waiting idle between
   * requests (which Jetty's idle timeout closes), is left alone.
   */
  private static final class HeadDeadline implements Connection.Listener {
    private final Server server;
    private final long periodNanos;

    HeadDeadline(Server server, Duration timeout) {
      this.server = server;
      this.periodNanos = timeout.toNanos();
    }

    @Override
    public void onOpened(Connection connection) {
      if (connection instanceof HttpConnection http) {
        schedule(http, -1);
      }
    }

    private void schedule(HttpConnection http, long unfinishedRequest) {
      server.getScheduler().schedule(() -> check(http, unfinishedRequest), periodNanos, TimeUnit.NANOSECONDS);
    }

    /** {@code unfinishedRequest} is the request count seen with a head unfinished at the last check, or -1. */
    private void check(HttpConnection http, long unfinishedRequest) {
      if (!http.getEndPoint().isOpen()) {
        return;
      }
      HttpParser parser = http.getParser();
      // Read from the scheduler's thread without Jetty's lock: a stale answer only moves the close by one check.
      boolean midHead = parser.inHeaderState() && !parser.isStart();
      long requests = http.getMessagesIn();
      if (midHead && requests == unfinishedRequest) {
        log.debug("a request head on {} did not finish within the request timeout; closing it", http.getEndPoint());
        http.getEndPoint().close();
        return;
      }
      schedule(http, midHead ? requests : -1);
    }
  }

  /** Jetty's own error answers as one plain-text line, like the example's. */
  private static final class PlainErrorHandler extends ErrorHandler {
    PlainErrorHandler() {
      setDefaultResponseMimeType("text/plain");
      setShowStacks(false);
    }

    @Override
    protected void writeErrorPlain(Request request, PrintWriter writer, int code, String message, Throwable cause) {
      writer.write(ExampleApp.errorLine(code, message));
    }
  }

  /**
   * HTTPS, with HTTP/2 for the clients that offer it by ALPN (browsers do) and HTTP/1.1 for the others: TLS, then
   * ALPN, then the protocol it chose.
   */
  private static ConnectionFactory[] secure(HttpConfiguration http, TlsMaterial tls) {
    HttpConfiguration https = new HttpConfiguration(http);
    https.addCustomizer(new SecureRequestCustomizer());
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(tls.keyStore());
    ssl.setKeyStorePassword(new String(TlsMaterial.PASSWORD));
    ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
    ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
    alpn.setDefaultProtocol(HttpVersion.HTTP_1_1.asString());
    return new ConnectionFactory[] {new SslConnectionFactory(ssl, alpn.getProtocol()), alpn,
        http2(new HTTP2ServerConnectionFactory(https)), new HttpConnectionFactory(https)};
  }

  /** Jetty allows 128 streams per connection by default: a page with more EventSources would see the rest wait. */
  private static <F extends AbstractHTTP2ServerConnectionFactory> F http2(F factory) {
    factory.setMaxConcurrentStreams(1_000);
    return factory;
  }

  @Override
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (TimeoutException e) {
      // Clients that stopped reading hold their responses open past the stop timeout; Jetty cuts them and stops.
      log.debug("Jetty cut the connections still open at its stop timeout: {}", e.toString());
    } catch (Exception e) {
      throw new IllegalStateException("Jetty did not stop cleanly", e);
    }
  }
}
