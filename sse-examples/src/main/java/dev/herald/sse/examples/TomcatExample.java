package dev.herald.sse.examples;

import io.netty.util.NetUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http2.Http2Protocol;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.jspecify.annotations.Nullable;
import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.SocketWrapperBase;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * The example on embedded Tomcat 11, through {@code sse-servlet}: a connection limit above the stream limit, an
 * accept queue as deep as Netty's, and a deadline for request heads.
 */
final class TomcatExample implements RunningServer {
  // Tomcat logs through java.util.logging; the example's console shows its warnings only. Held here so the
  // setting is not lost when the logger would otherwise be collected.
  private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");
  private static final org.slf4j.Logger log = LoggerFactory.getLogger(TomcatExample.class);

  static {
    TOMCAT_LOG.setLevel(Level.WARNING);
  }

  private final Tomcat tomcat;
  private final Connector connector;
  private final Path baseDir;

  private TomcatExample(Tomcat tomcat, Connector connector, Path baseDir) {
    this.tomcat = tomcat;
    this.connector = connector;
    this.baseDir = baseDir;
  }

  static RunningServer start(ExampleApp app, ExampleOptions options, @Nullable TlsMaterial tls)
      throws LifecycleException, IOException {
    Path baseDir = Files.createTempDirectory("herald-tomcat");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = new Connector(HeadDeadlineProtocol.class.getName());
    connector.setPort(options.port());
    connector.setProperty("address", options.host());
    // Tomcat's accept queue is 100 by default: a burst of connects past it waits a second for a retried SYN. The
    // OS's somaxconn, as Netty uses.
    connector.setProperty("acceptCount", Integer.toString(NetUtil.SOMAXCONN));
    // Past this many connections Tomcat stops accepting (they wait in the accept queue) instead of running out of
    // file descriptors. Streams stop below it (the broadcaster's client limit, 503), so /stats and broadcasts
    // still get in.
    connector.setProperty("maxConnections", Integer.toString(options.maxConnections()));
    // Tomcat answers "Expect: 100-continue" before the servlet runs by default, inviting a body the servlet may
    // refuse (413 for a declared 100 MB): only when the body is read, as Jetty and Netty do.
    connector.setProperty("continueResponseTiming", "onRead");
    ((HeadDeadlineProtocol) connector.getProtocolHandler()).headTimeout = options.requestTimeout();
    // GET /events/{msg} carries any text in one path segment, so an encoded slash (%2F) must reach the servlet
    // as it came; the example reads the raw URI and decodes it itself.
    connector.setEncodedSolidusHandling("passthrough");
    if (tls != null) {
      secure(connector, tls);
    }
    // HTTP/2 by ALPN with TLS; without, for a client that starts with its preface or asks with Upgrade: h2c.
    Http2Protocol http2 = new Http2Protocol();
    // Tomcat allows 100 streams per connection by default: a page with more EventSources would see the rest wait.
    http2.setMaxConcurrentStreams(1_000);
    connector.addUpgradeProtocol(http2);
    tomcat.setConnector(connector);
    ((StandardHost) tomcat.getHost()).setErrorReportValveClass(PlainErrorReportValve.class.getName());
    Context context = tomcat.addContext("", baseDir.toString());
    Wrapper wrapper = Tomcat.addServlet(context, "example", new ExampleServlet(app));
    wrapper.setAsyncSupported(true);
    context.addServletMapping("/*", "example");
    // Before Tomcat pauses its connector and closes connections, the streams end with their last chunk.
    tomcat.getServer().addLifecycleListener(event -> {
      if (Lifecycle.BEFORE_STOP_EVENT.equals(event.getType())) {
        app.close();
      }
    });
    tomcat.start();
    return new TomcatExample(tomcat, connector, baseDir);
  }

  /**
   * HTTPS on the connector; Tomcat negotiates {@code h2} by ALPN through the connector's upgrade protocol.
   */
  private static void secure(Connector connector, TlsMaterial tls) {
    connector.setScheme("https");
    connector.setSecure(true);
    connector.setProperty("SSLEnabled", "true");
    SSLHostConfig host = new SSLHostConfig();
    SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(host, SSLHostConfigCertificate.Type.UNDEFINED);
    certificate.setCertificateKeystore(tls.keyStore());
    certificate.setCertificateKeystorePassword(new String(TlsMaterial.PASSWORD));
    certificate.setCertificateKeyAlias(TlsMaterial.ALIAS);
    host.addCertificate(certificate);
    connector.addSslHostConfig(host);
  }

  /**
   * Tomcat's NIO protocol, plus a sweep that closes a connection whose request head has been arriving for longer
   * than the request timeout. Tomcat's {@code connectionTimeout} restarts on every byte read, so a client that
   * sends its head a byte a second is never closed by it. The sweep runs once per timeout, so such a connection
   * is closed within twice the timeout. Public, with a public constructor, because Tomcat makes it by class name.
   */
  public static final class HeadDeadlineProtocol extends Http11NioProtocol {
    private volatile Duration headTimeout = ExampleOptions.DEFAULT_REQUEST_TIMEOUT;
    private @Nullable ScheduledFuture<?> sweep;

    /** Makes the protocol; Tomcat calls this. */
    public HeadDeadlineProtocol() {}

    @Override
    public void start() throws Exception {
      super.start();
      long period = headTimeout.toNanos();
      sweep = getUtilityExecutor().scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.NANOSECONDS);
    }

    @Override
    public void stop() throws Exception {
      ScheduledFuture<?> current = sweep;
      if (current != null) {
        current.cancel(false);
      }
      super.stop();
    }

    private void sweep() {
      long now = System.nanoTime();
      long limit = headTimeout.toNanos();
      for (SocketWrapperBase<?> connection : getEndpoint().getConnections()) {
        if (connection.getCurrentProcessor() instanceof AbstractProcessor processor && !processor.isAsync()) {
          org.apache.coyote.Request request = processor.getRequest();
          long started = request.getStartTimeNanos();
          // A processor stays with a connection between requests only while a head is part read, or while a
          // request is served (async, as streams and bodies are here, or in the servlet). Tomcat sets the start
          // time at a request's first byte and clears it (-1) when the request is recycled.
          if (started != -1 && now - started > limit
              && request.getRequestProcessor().getStage() != org.apache.coyote.Constants.STAGE_SERVICE) {
            log.debug("a request head on {} did not finish within the request timeout; closing it", connection);
            connection.close();
          }
        }
      }
    }
  }

  @Override
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      tomcat.stop();
      tomcat.destroy();
    } catch (LifecycleException e) {
      throw new IllegalStateException("Tomcat did not stop cleanly", e);
    } finally {
      deleteQuietly(baseDir);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // a leftover temporary directory is harmless
    }
  }
}
