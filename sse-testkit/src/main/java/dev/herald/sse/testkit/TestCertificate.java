package dev.herald.sse.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A self-signed certificate for {@code 127.0.0.1}, for servers under test that speak TLS (h2 by ALPN) and the
 * clients that trust it: made once per JVM with the JDK's {@code keytool} (an EC key, two days valid), so that no
 * test dependency is needed for it. {@link #rsa()} is another one with an RSA key, for code that must read both.
 *
 * <pre>{@code
 * TestCertificate certificate = TestCertificate.get();
 * KeyManagerFactory server = certificate.keyManagers();     // Netty, Reactor Netty
 * Path file = certificate.keyStoreFile();                  // Jetty, Tomcat: PKCS12, password()
 * certificate.writePem(dir.resolve("cert.pem"), dir.resolve("key.pem")); // servers that read PEM files
 * OkHttpClient client = OkHttpSseClient.h2(certificate);   // trusts it
 * }</pre>
 *
 * <p><b>Threading.</b> Immutable once made; {@link #get()} and {@link #rsa()} may be called from any thread.
 */
public final class TestCertificate {
  private static final String ALIAS = "herald";
  private static final char[] PASSWORD = "herald".toCharArray();
  private static TestCertificate instance;
  private static TestCertificate rsaInstance;

  private final Path file;
  private final KeyStore keyStore;

  private TestCertificate(Path file, KeyStore keyStore) {
    this.file = file;
    this.keyStore = keyStore;
  }

  /**
   * Returns the JVM's test certificate, making it the first time.
   *
   * @return the certificate
   * @throws IllegalStateException if {@code keytool} fails
   */
  public static synchronized TestCertificate get() {
    if (instance == null) {
      instance = make("-keyalg", "EC", "-groupname", "secp256r1");
    }
    return instance;
  }

  /**
   * Returns the JVM's test certificate with an RSA key (2,048 bits), making it the first time: the same as
   * {@link #get()}'s in all else, for servers that must take either kind of key.
   *
   * @return the certificate
   * @throws IllegalStateException if {@code keytool} fails
   */
  public static synchronized TestCertificate rsa() {
    if (rsaInstance == null) {
      rsaInstance = make("-keyalg", "RSA", "-keysize", "2048");
    }
    return rsaInstance;
  }

  private static TestCertificate make(String... key) {
    try {
      return make(List.of(key));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("could not make the test certificate", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while making the test certificate", e);
    }
  }

  private static TestCertificate make(List<String> key)
      throws IOException, GeneralSecurityException, InterruptedException {
    Path directory = Files.createTempDirectory("herald-tls");
    Path store = directory.resolve("server.p12");
    store.toFile().deleteOnExit();
    directory.toFile().deleteOnExit();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", ALIAS));
    command.addAll(key);
    command.addAll(List.of("-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype",
        "PKCS12", "-keystore", store.toString(), "-storepass", new String(PASSWORD)));
    Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
      keytool.destroyForcibly();
      throw new IOException("keytool failed: " + output);
    }
    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keyStore.load(in, PASSWORD);
    }
    return new TestCertificate(store, keyStore);
  }

  /**
   * Returns the key store file that holds the key and certificate, for servers configured with a path.
   *
   * @return a PKCS12 file whose store and key password is {@link #password()}
   */
  public Path keyStoreFile() {
    return file;
  }

  /**
   * Returns the key store's password, which is also the key's.
   *
   * @return a copy of the password
   */
  public char[] password() {
    return PASSWORD.clone();
  }

  /**
   * Returns the key store, loaded.
   *
   * @return the key store
   */
  public KeyStore keyStore() {
    return keyStore;
  }

  /**
   * Returns key managers that present the certificate, for a server's TLS.
   *
   * @return an initialized factory
   * @throws IllegalStateException if the JDK cannot read the key
   */
  public KeyManagerFactory keyManagers() {
    try {
      KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keyManagers.init(keyStore, PASSWORD);
      return keyManagers;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Returns a trust manager that trusts the certificate alone, for a client.
   *
   * @return the trust manager
   * @throws IllegalStateException if the JDK cannot read the certificate
   */
  public X509TrustManager trustManager() {
    try {
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(keyStore);
      for (TrustManager manager : trust.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("no X.509 trust manager");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Returns a client TLS context that trusts the certificate alone.
   *
   * @return an initialized context
   * @throws IllegalStateException if the JDK cannot make it
   */
  public SSLContext clientContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trustManager()}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Returns the certificate, as a server presents it in the TLS handshake.
   *
   * @return the self-signed certificate
   * @throws IllegalStateException if the key store cannot be read
   */
  public X509Certificate certificate() {
    try {
      return (X509Certificate) keyStore.getCertificate(ALIAS);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes the certificate and its private key as PEM files, for servers configured with files rather than a key
   * store: the certificate as {@code CERTIFICATE}, the key unencrypted in PKCS#8 ({@code PRIVATE KEY}).
   *
   * <p>The key file holds the test key in clear: write it to a temporary directory, never into the source tree.
   *
   * @param certificateFile where to write the certificate
   * @param keyFile where to write the private key
   * @throws IOException if a file cannot be written
   * @throws IllegalStateException if the key store cannot be read
   */
  public void writePem(Path certificateFile, Path keyFile) throws IOException {
    Key key;
    try {
      key = keyStore.getKey(ALIAS, PASSWORD);
      Files.writeString(certificateFile, pem("CERTIFICATE", certificate().getEncoded()), StandardCharsets.US_ASCII);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
  }

  private static String pem(String label, byte[] der) {
    String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n";
  }
}
