package dev.herald.sse.examples;

import java.io.PrintStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example server's entry point: the seed tutorial's {@code /events} broadcaster on Netty, Jetty, Tomcat or
 * WebFlux.
 *
 * <pre>
 * java -jar sse-examples/target/sse-examples.jar [--transport netty|jetty|tomcat|webflux] [--port 8000]
 *     [--redis redis://127.0.0.1:6379]
 * curl http://127.0.0.1:8000/events/hello
 * </pre>
 */
public final class ExampleServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ExampleServer.class);

  private final ExampleApp app;
  private final RunningServer server;
  private final ExampleOptions options;
  private final @Nullable TlsMaterial tls;

  private ExampleServer(ExampleApp app, RunningServer server, ExampleOptions options, @Nullable TlsMaterial tls) {
    this.app = app;
    this.server = server;
    this.options = options;
    this.tls = tls;
  }

  /**
   * Starts the example on the transport the options name.
   *
   * @param options where and how to run
   * @return the running example, which the caller closes
   * @throws Exception if the server does not start (for example, the port is taken)
   */
  public static ExampleServer start(ExampleOptions options) throws Exception {
    return start(options, new ExampleApp(options));
  }

  /** Starts the example around an app made beforehand; the server owns and closes it. */
  static ExampleServer start(ExampleOptions options, ExampleApp app) throws Exception {
    try {
      ExampleOptions.Tls tlsOption = options.tls();
      TlsMaterial tls = tlsOption == null ? null : TlsMaterial.load(tlsOption);
      RunningServer server = switch (options.transport()) {
        case NETTY -> NettyExample.start(app, options, tls);
        case JETTY -> JettyExample.start(app, options, tls);
        case TOMCAT -> TomcatExample.start(app, options, tls);
        case WEBFLUX -> WebFluxExample.start(app, options, tls);
      };
      return new ExampleServer(app, server, options, tls);
    } catch (Exception | Error e) {
      app.close();
      throw e;
    }
  }

  /**
   * Returns the shared app, and through it the broadcaster.
   *
   * @return the app
   */
  public ExampleApp app() {
    return app;
  }

  /**
   * Returns the port the server listens on.
   *
   * @return the bound port
   */
  public int port() {
    return server.port();
  }

  /**
   * Returns the URL to open in a browser.
   *
   * @return the page's URL
   */
  public String url() {
    String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
    return (tls == null ? "http" : "https") + "://" + host + ":" + port() + "/";
  }

  /**
   * Returns the SHA-256 fingerprint of the certificate the server presents, to compare with what a browser shows.
   *
   * @return the fingerprint, or {@code null} if the server speaks plain HTTP
   */
  public @Nullable String fingerprint() {
    try {
      return tls == null ? null : tls.fingerprint();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /** Stops the server, which first ends every stream cleanly (see {@link ExampleApp#close()}). */
  @Override
  public void close() {
    server.close();
    app.close(); // already done by the server's stop; here in case that failed
  }

  /**
   * Runs the example until Ctrl-C or SIGTERM.
   *
   * @param args the command line; {@code --help} explains it
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    ExampleOptions options;
    try {
      options = ExampleOptions.parse(args);
    } catch (ExampleOptions.UsageException e) {
      err.println("error: " + e.getMessage() + " (try --help)");
      return 2;
    }
    if (options == null) {
      out.println(ExampleOptions.USAGE);
      return 0;
    }
    ExampleServer example;
    try {
      example = start(options);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      err.println("error: could not start on " + options.host() + ":" + options.port() + ": " + e);
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down");
      example.close();
    }, "herald-shutdown"));
    out.println("Herald example (" + options.transport().name().toLowerCase(java.util.Locale.ROOT)
        + ") at " + example.url() + " : open it in a browser; broadcast with: curl " + example.url() + "events/hello"
        + (options.redis() == null ? "" : " (a cluster node on " + options.redis() + ")"));
    String fingerprint = example.fingerprint();
    if (fingerprint != null) {
      out.println("TLS certificate SHA-256 fingerprint: " + fingerprint
          + (options.tls() != null && options.tls().cert() == null ? " (self-signed, made at start)" : ""));
    }
    out.flush();
    try {
      Thread.currentThread().join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
