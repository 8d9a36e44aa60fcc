package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.examples.ExampleOptions.Transport;
import dev.herald.sse.testkit.HttpSseClient;
import dev.herald.sse.testkit.OkHttpSseClient;
import dev.herald.sse.testkit.TestCertificate;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The example with {@code --tls} on each transport: HTTPS with a certificate made at start, HTTP/2 by ALPN, and
 * every stream of a client on one connection. The client trusts exactly the certificate whose fingerprint the
 * server reports, as a user comparing the printed fingerprint would. Without {@code --tls}, the cleartext port speaks
 * h2c to a client that asks with {@code Upgrade: h2c} and to one that starts with HTTP/2's preface (prior knowledge).
 * With {@code --tls-cert} and {@code --tls-key}, it serves the certificate and key of those PEM files.
 */
class ExampleTlsIT {

  @ParameterizedTest
  @EnumSource(Transport.class)
  void streamsShareOneHttp2ConnectionOverTls(Transport transport) throws Exception {
    ExampleOptions options = ExampleOptions.defaults().on(transport).withPort(0)
        .withTls(new ExampleOptions.Tls(null, null));
    try (ExampleServer server = ExampleServer.start(options)) {
      assertThat(server.url()).startsWith("https://127.0.0.1:");
      String fingerprint = server.fingerprint();
      assertThat(fingerprint).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
      HttpClient http = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_2)
          .sslContext(trusting(fingerprint))
          .build();
      URI events = URI.create(server.url() + "events");

      List<HttpSseClient> tabs = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          HttpSseClient tab = HttpSseClient.connect(http, events, null);
          tabs.add(tab);
          tab.awaitEvents(1);
        }
        HttpResponse<String> sent = http.send(HttpRequest.newBuilder(URI.create(server.url() + "events/over%20h2"))
            .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(sent.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(sent.body()).isEqualTo("msg sent\n");
        for (HttpSseClient tab : tabs) {
          assertThat(tab.version()).isEqualTo(HttpClient.Version.HTTP_2);
          assertThat(tab.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("connected", "over h2");
        }
        assertThat(server.app().broadcaster().clientCount()).isEqualTo(8);
      } finally {
        for (HttpSseClient tab : tabs) {
          tab.close();
        }
      }
    }
  }

  /**
   * Started from the command line with {@code --tls-cert} and {@code --tls-key} naming PEM files (the test kit's
   * certificate and its PKCS#8 key, EC or RSA, written for the test), the example presents exactly that certificate
   * in the handshake, reports its fingerprint, and a client that trusts that certificate alone streams over h2.
   */
  @ParameterizedTest
  @MethodSource("transportsAndKeys")
  void theCertificateInTheTlsCertAndTlsKeyPemFilesIsTheOneServedOverH2(Transport transport, String keyAlgorithm,
      @TempDir Path dir) throws Exception {
    TestCertificate certificate = keyAlgorithm.equals("RSA") ? TestCertificate.rsa() : TestCertificate.get();
    assertThat(certificate.certificate().getPublicKey().getAlgorithm()).isEqualTo(keyAlgorithm);
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    certificate.writePem(cert, key);
    ExampleOptions options = ExampleOptions.parse("--transport", transport.name().toLowerCase(Locale.ROOT),
        "--port", "0", "--tls-cert", cert.toString(), "--tls-key", key.toString());
    assertThat(options).isNotNull();
    try (ExampleServer server = ExampleServer.start(options)) {
      assertThat(server.url()).startsWith("https://127.0.0.1:");
      assertThat(server.fingerprint()).isEqualTo(sha256(certificate.certificate()));
      HttpClient http = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_2)
          .sslContext(certificate.clientContext()) // PKIX with that certificate the one anchor, and the host checked
          .build();
      try (HttpSseClient stream = HttpSseClient.connect(http, URI.create(server.url() + "events"), null)) {
        stream.awaitEvents(1);
        HttpResponse<String> sent = http.send(HttpRequest.newBuilder(URI.create(server.url() + "events/from%20pem"))
            .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(sent.body()).isEqualTo("msg sent\n");
        assertThat(sent.version()).isEqualTo(HttpClient.Version.HTTP_2);
        SSLSession session = sent.sslSession().orElseThrow();
        assertThat(session.getPeerCertificates()).as("the chain the server presented in the handshake")
            .extracting(ExampleTlsIT::sha256).containsExactly(sha256(certificate.certificate()));
        assertThat(stream.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(stream.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("connected", "from pem");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void theCleartextPortSpeaksH2cToAClientThatAsks(Transport transport) throws Exception {
    try (ExampleServer server = ExampleServer.start(ExampleOptions.defaults().on(transport).withPort(0))) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build(); // Upgrade: h2c
      URI events = URI.create(server.url() + "events");
      List<HttpSseClient> streams = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          HttpSseClient stream = HttpSseClient.connect(http, events, null);
          streams.add(stream);
          stream.awaitEvents(1);
        }
        server.app().broadcaster().broadcast(dev.herald.sse.Data.of("over h2c"));

        for (HttpSseClient stream : streams) {
          assertThat(stream.version()).isEqualTo(HttpClient.Version.HTTP_2);
          assertThat(stream.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("connected", "over h2c");
        }
      } finally {
        for (HttpSseClient stream : streams) {
          stream.close();
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void theCleartextPortSpeaksH2cByPriorKnowledge(Transport transport) throws Exception {
    OkHttpClient http = OkHttpSseClient.h2c(); // HTTP/2's preface first, no HTTP/1.1 at all
    List<OkHttpSseClient> streams = new ArrayList<>();
    try (ExampleServer server = ExampleServer.start(ExampleOptions.defaults().on(transport).withPort(0))) {
      for (int i = 0; i < 3; i++) {
        OkHttpSseClient stream = OkHttpSseClient.open(http, server.url() + "events", "GET");
        streams.add(stream);
        assertThat(stream.awaitEvents(1)).extracting(MessageEvent::data).containsExactly("connected");
      }
      server.app().broadcaster().broadcast(dev.herald.sse.Data.of("by prior knowledge"));

      for (OkHttpSseClient stream : streams) {
        assertThat(stream.protocol()).isEqualTo(Protocol.H2_PRIOR_KNOWLEDGE);
        assertThat(stream.awaitEvents(2)).extracting(MessageEvent::data)
            .containsExactly("connected", "by prior knowledge");
      }
      assertThat(streams).extracting(OkHttpSseClient::connection).as("three streams, one connection")
          .containsOnly(streams.get(0).connection());
    } finally {
      streams.forEach(OkHttpSseClient::close);
      OkHttpSseClient.shutdown(http);
    }
  }

  /**
   * On webflux the HTTP/1.1 guards (the request deadline, the answer to malformed requests) sit on HTTP/1.1
   * connections alone: a slow HTTP/1.1 head is cut, over TLS as in cleartext, while an HTTP/2 connection (by ALPN,
   * by prior knowledge, or by {@code Upgrade: h2c}) whose streams are quiet outlives the deadline (a deadline left on
   * it would cut it, since no HTTP/1.1 request ever passes).
   */
  @Test
  void onWebfluxTheRequestDeadlineCutsSlowHttp11HeadsAndLeavesHttp2ConnectionsAlone() throws Exception {
    Duration deadline = Duration.ofMillis(500);
    ExampleOptions cleartext = ExampleOptions.defaults().on(Transport.WEBFLUX).withPort(0)
        .withRequestTimeout(deadline);
    ExampleOptions tls = cleartext.withTls(new ExampleOptions.Tls(null, null));
    try (ExampleServer plain = ExampleServer.start(cleartext); ExampleServer secure = ExampleServer.start(tls)) {
      SSLContext trusted = trusting(secure.fingerprint());
      OkHttpClient h2c = OkHttpSseClient.h2c();
      HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(trusted).build();
      OkHttpSseClient priorKnowledge = OkHttpSseClient.open(h2c, plain.url() + "events", "GET");
      HttpSseClient alpnH2 = HttpSseClient.connect(h2, URI.create(secure.url() + "events"), null);
      HttpClient upgrading = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build(); // Upgrade: h2c
      HttpSseClient upgraded = HttpSseClient.connect(upgrading, URI.create(plain.url() + "events"), null);
      HttpSseClient onTheUpgraded = null;
      try {
        priorKnowledge.awaitEvents(1);
        alpnH2.awaitEvents(1);
        upgraded.awaitEvents(1);
        onTheUpgraded = HttpSseClient.connect(upgrading, URI.create(plain.url() + "events"), null);
        onTheUpgraded.awaitEvents(1);
        assertThat(alpnH2.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(onTheUpgraded.version()).isEqualTo(HttpClient.Version.HTTP_2);

        // Each slow head is cut no sooner than the deadline, so the HTTP/2 connections stay quiet past it twice.
        assertThat(slowHeadIsClosed(new Socket("127.0.0.1", plain.port()))).as("HTTP/1.1, cleartext").isTrue();
        SSLSocket http11 = (SSLSocket) trusted.getSocketFactory().createSocket("127.0.0.1", secure.port());
        SSLParameters alpn = http11.getSSLParameters();
        alpn.setApplicationProtocols(new String[] {"http/1.1"});
        http11.setSSLParameters(alpn);
        assertThat(slowHeadIsClosed(http11)).as("HTTP/1.1 over TLS").isTrue();
        plain.app().broadcaster().broadcast(dev.herald.sse.Data.of("still here"));
        secure.app().broadcaster().broadcast(dev.herald.sse.Data.of("still here"));

        assertThat(priorKnowledge.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("connected",
            "still here");
        assertThat(alpnH2.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("connected", "still here");
        assertThat(upgraded.awaitEvents(2)).extracting(MessageEvent::data).containsExactly("connected", "still here");
        assertThat(onTheUpgraded.awaitEvents(2)).extracting(MessageEvent::data)
            .containsExactly("connected", "still here");
      } finally {
        priorKnowledge.close();
        alpnH2.close();
        upgraded.close();
        if (onTheUpgraded != null) {
          onTheUpgraded.close();
        }
        OkHttpSseClient.shutdown(h2c);
      }
    }
  }

  /** Sends the start of a request head and never its end: {@code true} if the server closes without an answer. */
  private static boolean slowHeadIsClosed(Socket socket) throws Exception {
    try (socket) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write("GET /events HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return socket.getInputStream().readAllBytes().length == 0;
    }
  }

  /** A certificate's SHA-256 fingerprint as the example prints it: upper-case hex pairs joined by colons. */
  static String sha256(Certificate certificate) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
      return HexFormat.ofDelimiter(":").formatHex(digest).toUpperCase(Locale.ROOT);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Trusts the one certificate with this SHA-256 fingerprint, and no other. */
  private static SSLContext trusting(String fingerprint) throws Exception {
    X509TrustManager pinned = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a server");
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (!sha256(chain[0]).equals(fingerprint)) {
          throw new CertificateException("not the certificate the server reported");
        }
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {pinned}, null);
    return context;
  }

  static Stream<Arguments> transportsAndKeys() {
    return Arrays.stream(Transport.values())
        .flatMap(transport -> Stream.of(Arguments.of(transport, "EC"), Arguments.of(transport, "RSA")));
  }
}
