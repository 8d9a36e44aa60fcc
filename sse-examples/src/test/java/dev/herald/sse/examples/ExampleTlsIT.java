package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.examples.ExampleOptions.Transport;
import dev.herald.sse.testkit.HttpSseClient;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The example with {@code --tls} on each transport: HTTPS with a certificate made at start, HTTP/2 by ALPN, and
 * every stream of a client on one connection. The client trusts exactly the certificate whose fingerprint the
 * server reports, as a user comparing the printed fingerprint would. The webflux transport serves HTTP/1.1 only, and
 * refuses {@code --tls} with a message that says so.
 */
class ExampleTlsIT {

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = "WEBFLUX", mode = EnumSource.Mode.EXCLUDE)
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

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = "WEBFLUX", mode = EnumSource.Mode.EXCLUDE)
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

  @Test
  void webfluxRefusesTlsAndSaysWhatToUseInstead() {
    ExampleOptions options = ExampleOptions.defaults().on(Transport.WEBFLUX).withPort(0)
        .withTls(new ExampleOptions.Tls(null, null));

    assertThatThrownBy(() -> ExampleServer.start(options)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--tls is not available with --transport webflux (it serves HTTP/1.1 only): use netty, jetty or"
            + " tomcat for HTTPS and HTTP/2");
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
        try {
          byte[] digest = MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded());
          if (!HexFormat.ofDelimiter(":").formatHex(digest).toUpperCase(Locale.ROOT).equals(fingerprint)) {
            throw new CertificateException("not the certificate the server reported");
          }
        } catch (java.security.NoSuchAlgorithmException e) {
          throw new CertificateException(e);
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
}
