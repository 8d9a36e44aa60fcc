package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.testkit.HttpSseClient;
import dev.herald.sse.testkit.RawSseClient;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runnable jar as a newcomer meets it: {@code java -jar sse-examples/target/sse-examples.jar}, one line that
 * says where to point a browser (and with {@code --tls}, one with the certificate's fingerprint), and a clean end on
 * SIGTERM.
 */
class ExampleJarIT {
  private static final Path JAR = Path.of("target", "sse-examples.jar");
  private static final Pattern URL = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+/)");
  private static final Pattern HTTPS_URL = Pattern.compile("(https://127\\.0\\.0\\.1:\\d+/)");
  private static final Pattern FINGERPRINT = Pattern.compile(
      "TLS certificate SHA-256 fingerprint: ((?:[0-9A-F]{2}:){31}[0-9A-F]{2}) \\(self-signed, made at start\\)");
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private static Process java(String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String[] command = new String[args.length + 3];
    command[0] = java;
    command[1] = "-jar";
    command[2] = JAR.toString();
    System.arraycopy(args, 0, command, 3, args.length);
    return new ProcessBuilder(command).redirectErrorStream(false).start();
  }

  @ParameterizedTest
  @ValueSource(strings = {"netty", "jetty", "tomcat", "webflux"})
  void jarPrintsWhereToGoServesAndEndsStreamsCleanlyOnSigterm(String transport) throws Exception {
    assertThat(JAR).as("built by the package phase").exists();
    Process process = java("--transport", transport, "--port", "0");
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String first = line(out);
      assertThat(process.getErrorStream().available()).as("nothing else on the console at start").isZero();
      assertThat(first).as("the first line names the transport and the URL").contains("(" + transport + ")");
      Matcher url = URL.matcher(first);
      assertThat(url.find()).as(first).isTrue();

      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      try (HttpSseClient client = HttpSseClient.connect(http, URI.create(url.group(1) + "events"), null)) {
        client.awaitEvents(1);
        HttpResponse<String> sent = http.send(HttpRequest.newBuilder(URI.create(url.group(1) + "events/hello")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(sent.body()).isEqualTo("msg sent\n");
        client.awaitEvents(2);

        process.toHandle().destroy(); // SIGTERM, leaving the pipes open (Process.destroy() closes them)

        client.awaitEnded();
        assertThat(client.events()).extracting(MessageEvent::data).containsExactly("connected", "hello");
      }
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
      assertThat(process.exitValue()).isIn(0, 143);
    } finally {
      process.destroyForcibly();
    }
  }

  /**
   * With {@code --tls}, the second line is the SHA-256 fingerprint of the certificate made at start, which a user
   * compares with what the browser shows: it is the fingerprint of the certificate the server presents in the TLS
   * handshake, read from the client's session (the client takes any certificate, so that a mismatch shows as the
   * two fingerprints rather than as a failed handshake).
   */
  @ParameterizedTest
  @ValueSource(strings = {"netty", "jetty", "tomcat", "webflux"})
  void withTlsThePrintedFingerprintIsThatOfTheCertificateTheServerPresents(String transport) throws Exception {
    Process process = java("--transport", transport, "--port", "0", "--tls");
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String first = line(out);
      Matcher url = HTTPS_URL.matcher(first);
      assertThat(url.find()).as(first).isTrue();
      String second = line(out);
      Matcher printed = FINGERPRINT.matcher(second);
      assertThat(printed.matches()).as(second).isTrue();

      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(anyCertificate()).build();
      HttpResponse<String> sent = http.send(HttpRequest.newBuilder(URI.create(url.group(1) + "events/hello")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(sent.body()).isEqualTo("msg sent\n");
      assertThat(sent.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(ExampleTlsIT.sha256(sent.sslSession().orElseThrow().getPeerCertificates()[0]))
          .as("the SHA-256 of the certificate presented in the handshake").isEqualTo(printed.group(1));

      process.toHandle().destroy(); // SIGTERM
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
      assertThat(process.exitValue()).isIn(0, 143);
    } finally {
      process.destroyForcibly();
    }
  }

  /** A client TLS context that takes whatever certificate the server presents, for a test that checks it after. */
  private static SSLContext anyCertificate() throws Exception {
    X509ExtendedTrustManager any = new X509ExtendedTrustManager() {
      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {
        // any certificate: the test compares it with the printed fingerprint after
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        // any certificate: the test compares it with the printed fingerprint after
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
        // any certificate: the test compares it with the printed fingerprint after
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
          throws java.security.cert.CertificateException {
        throw new java.security.cert.CertificateException("not a server");
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws java.security.cert.CertificateException {
        throw new java.security.cert.CertificateException("not a server");
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType)
          throws java.security.cert.CertificateException {
        throw new java.security.cert.CertificateException("not a server");
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {any}, null);
    return context;
  }

  /**
   * SIGTERM while streams are open and a producer is broadcasting as fast as it can: the process exits within 5 s,
   * every stream ends with its last chunk (not a cut connection), and nothing is logged at WARN or above.
   */
  @ParameterizedTest
  @ValueSource(strings = {"netty", "jetty", "tomcat", "webflux"})
  void sigtermUnderLoadEndsEveryStreamCleanlyAndExitsWithinFiveSeconds(String transport) throws Exception {
    Process process = java("--transport", transport, "--port", "0");
    List<RawSseClient> clients = new ArrayList<>();
    Thread producer = null;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      Matcher url = URL.matcher(line(out));
      assertThat(url.find()).isTrue();
      StringBuilder console = new StringBuilder();
      Thread stdout = drain(out, console);
      Thread stderr = drain(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)),
          console);
      int port = URI.create(url.group(1)).getPort();
      for (int i = 0; i < 5; i++) {
        RawSseClient client = RawSseClient.connect(port, 0);
        clients.add(client);
        client.send(RawSseClient.get("/events"));
        client.awaitEvents(1, DEADLINE);
      }
      AtomicInteger sent = new AtomicInteger();
      producer = new Thread(() -> produce(port, sent), "producer");
      producer.start();
      for (RawSseClient client : clients) {
        client.awaitEvents(11, DEADLINE); // the greeting and ten broadcasts: the producer is running
      }

      long signalled = System.nanoTime();
      process.toHandle().destroy(); // SIGTERM, leaving the pipes open (Process.destroy() closes them)

      for (RawSseClient client : clients) {
        assertThat(client.awaitEnd(Duration.ofSeconds(5))).as("the stream ended with its last chunk").isTrue();
      }
      assertThat(process.waitFor(5_000 - elapsedMillis(signalled), TimeUnit.MILLISECONDS))
          .as("exited within 5 s of SIGTERM").isTrue();
      assertThat(process.exitValue()).isIn(0, 143);
      stdout.join(DEADLINE.toMillis());
      stderr.join(DEADLINE.toMillis());
      synchronized (console) {
        assertThat(console.toString().lines().filter(line -> line.matches("^(WARN|WARNING|ERROR|SEVERE)\\b.*")))
            .as("nothing at WARN or above:%n%s", console).isEmpty();
        assertThat(console.toString()).doesNotContain("Exception");
      }
      for (RawSseClient client : clients) {
        List<MessageEvent> events = client.parser().events();
        assertThat(events.get(0).data()).isEqualTo("connected");
        assertThat(events.subList(1, events.size())).extracting(MessageEvent::data)
            .as("the producer's messages, in order, none lost before the end")
            .isEqualTo(IntStream.range(0, events.size() - 1).mapToObj(i -> "m" + i).toList());
      }
    } finally {
      process.destroyForcibly();
      if (producer != null) {
        producer.interrupt();
        producer.join(DEADLINE.toMillis());
      }
      clients.forEach(RawSseClient::close);
    }
  }

  /** Broadcasts m0, m1, ... one request at a time until the server goes away. */
  private static void produce(int port, AtomicInteger sent) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try {
      while (!Thread.currentThread().isInterrupted()) {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/events/m" + sent.get())).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          return; // the server is stopping
        }
        sent.incrementAndGet();
      }
    } catch (IOException e) {
      // the server went away: the producer's end
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Reads the next line the jar prints, failing the test if none comes within the deadline: a start that hangs
   * ends the test instead of the build (the process is destroyed in the test's {@code finally}, which ends the read).
   */
  private static String line(BufferedReader out) throws Exception {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return String.valueOf(out.readLine());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, read -> {
      Thread reader = new Thread(read, "jar-output");
      reader.setDaemon(true);
      reader.start();
    }).get(3 * DEADLINE.toSeconds(), TimeUnit.SECONDS);
  }

  private static Thread drain(BufferedReader reader, StringBuilder into) {
    Thread thread = new Thread(() -> {
      try {
        String line;
        while ((line = reader.readLine()) != null) {
          synchronized (into) {
            into.append(line).append('\n');
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "console");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static long elapsedMillis(long since) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  @ParameterizedTest
  @ValueSource(strings = {"--bogus", "--transport=undertow", "--port=x"})
  void badFlagIsAOneLineErrorAndStatusTwo(String flag) throws Exception {
    Process process = java(flag);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(err).startsWith("error: ").hasLineCount(1);
  }

  @Test
  void helpExplainsEveryFlag() throws Exception {
    Process process = java("--help");
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(process.exitValue()).isZero();
    assertThat(out).contains("--transport", "--host", "--port", "--heartbeat", "--history", "--tls", "--tls-cert",
        "--tls-key");
  }
}
