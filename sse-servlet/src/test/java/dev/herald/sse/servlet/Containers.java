package dev.herald.sse.servlet;

import dev.herald.sse.testkit.TestCertificate;
import dev.herald.sse.testkit.TestServer;
import jakarta.servlet.http.HttpServlet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.authenticator.BasicAuthenticator;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http2.Http2Protocol;
import org.apache.tomcat.util.descriptor.web.LoginConfig;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.util.security.Credential;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;

/**
 * Real servlet containers on an ephemeral port, with servlets mapped by path, all async-supported and initialized
 * when the server starts (so a servlet that fails to initialize fails the start, and a framework servlet such as
 * Spring's {@code DispatcherServlet} has its application context ready before the first request). Its request
 * threads are a fixed pool, so that tests can compare thread counts before and after.
 */
final class Containers {
  /** The realm a container's Basic login names in its challenge. */
  static final String REALM = "events";

  private Containers() {}

  /** Starts a container with these servlets, each mapped at its path. */
  @FunctionalInterface
  interface Container {
    /** Starts it; its accepted sockets have this send buffer (0 for the default). */
    TestServer start(Map<String, HttpServlet> servlets, int sendBuffer) throws Exception;
  }

  /** Starts Jetty 12 with its ee10 (Servlet 6) environment. */
  static TestServer jetty(Map<String, HttpServlet> servlets) throws Exception {
    return jetty(servlets, 0);
  }

  /** Starts Jetty 12 (ee10) whose accepted sockets have this send buffer (0 for the default). */
  static TestServer jetty(Map<String, HttpServlet> servlets, int sendBuffer) throws Exception {
    return jetty(servlets, sendBuffer, Wire.HTTP_1_1, null, context -> context);
  }

  /**
   * Starts Jetty 12 (ee10) with its {@code GzipHandler} in front of the servlets, as its documentation places it:
   * wrapping the context.
   *
   * @param gzip configures the handler before the server starts
   */
  @SuppressWarnings("removal") // GzipHandler: Jetty 12.1 deprecates it for CompressionHandler, still ships it
  static TestServer jettyGzip(Map<String, HttpServlet> servlets, Consumer<GzipHandler> gzip) throws Exception {
    return jetty(servlets, 0, Wire.HTTP_1_1, null, context -> {
      GzipHandler handler = new GzipHandler();
      gzip.accept(handler);
      handler.setHandler(context);
      return handler;
    });
  }

  /**
   * Starts Jetty 12 (ee10) whose own security handler checks HTTP Basic credentials (RFC 7617) against these users,
   * as its documentation configures a login: a {@code ConstraintSecurityHandler} with a {@code BasicAuthenticator}
   * and a {@code HashLoginService}. No path has a constraint, so a login is optional: a request with a known user's
   * credentials has that user as its {@code getUserPrincipal()}, any other request none, and the servlet decides.
   */
  static TestServer jettyWithBasicLogin(Map<String, HttpServlet> servlets, Map<String, String> passwords)
      throws Exception {
    return jetty(servlets, 0, Wire.HTTP_1_1, passwords, context -> context);
  }

  /**
   * Starts Jetty 12 (ee10) speaking HTTP/1.1 and cleartext HTTP/2 on one port, as its documentation configures it:
   * an {@code HTTP2CServerConnectionFactory} beside the HTTP/1.1 one, for prior knowledge and
   * {@code Upgrade: h2c}.
   */
  static TestServer jettyH2c(Map<String, HttpServlet> servlets) throws Exception {
    return jettyH2c(servlets, 0);
  }

  /** Starts Jetty 12 (ee10) speaking HTTP/1.1 and h2c, whose accepted sockets have this send buffer. */
  static TestServer jettyH2c(Map<String, HttpServlet> servlets, int sendBuffer) throws Exception {
    return jetty(servlets, sendBuffer, Wire.H2C, null, context -> context);
  }

  /**
   * Starts Jetty 12 (ee10) speaking HTTPS with the test kit's certificate, h2 or HTTP/1.1 by ALPN, as its
   * documentation configures it: TLS, then ALPN, then {@code HTTP2ServerConnectionFactory} or the HTTP/1.1 one.
   */
  static TestServer jettyH2(Map<String, HttpServlet> servlets, int sendBuffer) throws Exception {
    return jetty(servlets, sendBuffer, Wire.H2, null, context -> context);
  }

  /** What a container's connector speaks beside HTTP/1.1. */
  private enum Wire {
    HTTP_1_1, H2C, H2
  }

  private static TestServer jetty(Map<String, HttpServlet> servlets, int sendBuffer, Wire wire,
      @Nullable Map<String, String> passwords, UnaryOperator<Handler> front) throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(24, 24);
    threads.setName("jetty");
    Server server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    ServerConnector connector = switch (wire) {
      case HTTP_1_1 -> new ServerConnector(server, 1, 1);
      case H2C ->
          new ServerConnector(server, 1, 1, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
      case H2 -> new ServerConnector(server, 1, 1, jettyTls(http));
    };
    connector.setPort(0);
    connector.setHost("127.0.0.1");
    if (sendBuffer > 0) {
      connector.setAcceptedSendBufferSize(sendBuffer);
    }
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    servlets.forEach((path, servlet) -> {
      ServletHolder holder = new ServletHolder(servlet);
      holder.setAsyncSupported(true);
      holder.setInitOrder(1);
      context.addServlet(holder, path);
    });
    if (passwords != null) {
      context.setSecurityHandler(jettyBasicLogin(passwords));
    }
    server.setHandler(front.apply(context));
    server.start();
    int port = connector.getLocalPort();
    return new TestServer() {
      @Override
      public int port() {
        return port;
      }

      @Override
      public void stop() throws Exception {
        if (!server.isStopped()) {
          server.stop();
        }
      }
    };
  }

  private static ConstraintSecurityHandler jettyBasicLogin(Map<String, String> passwords) {
    UserStore users = new UserStore();
    passwords.forEach((user, password) ->
        users.addUser(user, Credential.getCredential(password), new String[] {"user"}));
    HashLoginService login = new HashLoginService(REALM);
    login.setUserStore(users);
    ConstraintSecurityHandler security = new ConstraintSecurityHandler();
    security.setRealmName(REALM);
    security.setLoginService(login);
    security.setAuthenticator(new org.eclipse.jetty.security.authentication.BasicAuthenticator());
    return security;
  }

  private static ConnectionFactory[] jettyTls(HttpConfiguration http) {
    http.addCustomizer(new SecureRequestCustomizer());
    TestCertificate certificate = TestCertificate.get();
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(certificate.keyStore());
    ssl.setKeyStorePassword(new String(certificate.password()));
    ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
    ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
    alpn.setDefaultProtocol(HttpVersion.HTTP_1_1.asString());
    return new ConnectionFactory[] {new SslConnectionFactory(ssl, alpn.getProtocol()), alpn,
        new HTTP2ServerConnectionFactory(http), new HttpConnectionFactory(http)};
  }

  /** Starts an embedded Tomcat 11. */
  static TestServer tomcat(Map<String, HttpServlet> servlets) throws Exception {
    return tomcat(servlets, 0);
  }

  /** Starts an embedded Tomcat 11 whose accepted sockets have this send buffer (0 for the default). */
  static TestServer tomcat(Map<String, HttpServlet> servlets, int sendBuffer) throws Exception {
    return tomcat(servlets, sendBuffer, Wire.HTTP_1_1, null, connector -> {});
  }

  /**
   * Starts an embedded Tomcat 11 whose connector is configured further before it starts, as a {@code <Connector>}
   * element's attributes in {@code server.xml} would (its {@code compression}, say).
   *
   * @param connector sets the connector's properties
   */
  static TestServer tomcat(Map<String, HttpServlet> servlets, Consumer<Connector> connector) throws Exception {
    return tomcat(servlets, 0, Wire.HTTP_1_1, null, connector);
  }

  /**
   * Starts an embedded Tomcat 11 that checks HTTP Basic credentials (RFC 7617) against these users itself, with its
   * in-memory realm ({@code Tomcat.addUser}) and its {@code BasicAuthenticator} valve, as a {@code <login-config>}
   * of {@code BASIC} would. No path has a constraint, so a login is optional: with preemptive authentication on, a
   * request with a known user's credentials has that user as its {@code getUserPrincipal()}, one without any has
   * none, and the servlet decides.
   */
  static TestServer tomcatWithBasicLogin(Map<String, HttpServlet> servlets, Map<String, String> passwords)
      throws Exception {
    return tomcat(servlets, 0, Wire.HTTP_1_1, passwords, connector -> {});
  }

  /**
   * Starts an embedded Tomcat 11 speaking HTTP/1.1 and cleartext HTTP/2 on one port, as its documentation
   * configures it: {@code Http2Protocol} as the connector's upgrade protocol, for {@code Upgrade: h2c} and prior
   * knowledge.
   */
  static TestServer tomcatH2c(Map<String, HttpServlet> servlets) throws Exception {
    return tomcatH2c(servlets, 0);
  }

  /** Starts an embedded Tomcat 11 speaking HTTP/1.1 and h2c, whose accepted sockets have this send buffer. */
  static TestServer tomcatH2c(Map<String, HttpServlet> servlets, int sendBuffer) throws Exception {
    return tomcat(servlets, sendBuffer, Wire.H2C, null, connector -> {});
  }

  /**
   * Starts an embedded Tomcat 11 speaking HTTPS with the test kit's certificate, h2 or HTTP/1.1 by ALPN: a TLS
   * connector with {@code Http2Protocol} as its upgrade protocol.
   */
  static TestServer tomcatH2(Map<String, HttpServlet> servlets, int sendBuffer) throws Exception {
    return tomcat(servlets, sendBuffer, Wire.H2, null, connector -> {});
  }

  private static TestServer tomcat(Map<String, HttpServlet> servlets, int sendBuffer, Wire wire,
      @Nullable Map<String, String> passwords, Consumer<Connector> configure) throws Exception {
    Path base = Files.createTempDirectory("herald-tomcat");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    tomcat.setHostname("127.0.0.1");
    tomcat.setPort(0);
    Connector connector = tomcat.getConnector();
    connector.setProperty("address", "127.0.0.1");
    connector.setProperty("maxThreads", "24");
    connector.setProperty("minSpareThreads", "24");
    if (sendBuffer > 0) {
      connector.setProperty("socket.txBufSize", Integer.toString(sendBuffer));
    }
    if (wire == Wire.H2) {
      connector.setScheme("https");
      connector.setSecure(true);
      connector.setProperty("SSLEnabled", "true");
      SSLHostConfig host = new SSLHostConfig();
      SSLHostConfigCertificate certificate =
          new SSLHostConfigCertificate(host, SSLHostConfigCertificate.Type.UNDEFINED);
      certificate.setCertificateKeystore(TestCertificate.get().keyStore());
      certificate.setCertificateKeystorePassword(new String(TestCertificate.get().password()));
      host.addCertificate(certificate);
      connector.addSslHostConfig(host);
    }
    if (wire != Wire.HTTP_1_1) {
      connector.addUpgradeProtocol(new Http2Protocol());
    }
    configure.accept(connector);
    Context context = tomcat.addContext("", base.toString());
    // The web-app class loader's leak hunt needs --add-opens and warns without it on every stop; an embedded
    // server has no web app to unload, so it is off.
    ((StandardContext) context).setClearReferencesThreadLocals(false);
    ((StandardContext) context).setClearReferencesRmiTargets(false);
    // A servlet that fails to initialize fails the context (checked after the start below), as on Jetty.
    ((StandardContext) context).setFailCtxIfServletStartFails(true);
    int[] n = {0};
    servlets.forEach((path, servlet) -> {
      String name = "servlet" + n[0]++;
      Wrapper wrapper = Tomcat.addServlet(context, name, servlet);
      wrapper.setAsyncSupported(true);
      wrapper.setLoadOnStartup(1);
      wrapper.addMapping(path);
    });
    if (passwords != null) {
      passwords.forEach((user, password) -> {
        tomcat.addUser(user, password);
        tomcat.addRole(user, "user");
      });
      // Set before the start, so that Tomcat's FixContextListener adds no NonLoginAuthenticator of its own.
      context.setLoginConfig(new LoginConfig("BASIC", REALM, null, null));
      context.getPipeline().addValve(new BasicAuthenticator());
      // Without a constraint Tomcat authenticates only if told to check the credentials a request brings anyway.
      context.setPreemptiveAuthentication(true);
    }
    tomcat.start();
    int port = tomcat.getConnector().getLocalPort();
    TestServer server = new TestServer() {
      @Override
      public int port() {
        return port;
      }

      @Override
      public void stop() throws Exception {
        if (!tomcat.getServer().getState().isAvailable()) {
          return; // stopped already: a test may stop it and its clean-up stop it again
        }
        tomcat.stop();
        tomcat.destroy();
        try (Stream<Path> files = Files.walk(base)) {
          files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        }
      }
    };
    if (!context.getState().isAvailable()) {
      // Tomcat logs why and starts without the context; fail here, as Jetty does, not at the first request.
      server.stop();
      throw new IllegalStateException("the servlet context failed to start; the log above says why");
    }
    return server;
  }
}
