package dev.herald.sse.examples;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;

/**
 * The example's TLS identity: a key store holding one private key and its certificate chain, read from PEM files
 * or, for trying the example out, a self-signed certificate for {@code 127.0.0.1} and {@code localhost} made at start
 * with the JDK's own {@code keytool} (so the example needs no library for it).
 */
final class TlsMaterial {
  /** The alias and password of the one entry; the store lives in memory (or a temporary file) only. */
  static final String ALIAS = "herald";
  static final char[] PASSWORD = "herald-example".toCharArray();

  private final KeyStore keyStore;
  private final Certificate certificate;

  private TlsMaterial(KeyStore keyStore) throws GeneralSecurityException {
    this.keyStore = keyStore;
    this.certificate = requireNonNull(keyStore.getCertificate(ALIAS), "no certificate");
  }

  /** Loads the certificate the options name, or makes a self-signed one. */
  static TlsMaterial load(ExampleOptions.Tls tls) throws IOException, GeneralSecurityException {
    Path cert = tls.cert();
    Path key = tls.key();
    return cert != null && key != null ? fromPem(cert, key) : selfSigned();
  }

  private static TlsMaterial fromPem(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
    List<Certificate> chain = new ArrayList<>();
    try (InputStream in = Files.newInputStream(certFile)) {
      chain.addAll(CertificateFactory.getInstance("X.509").generateCertificates(in));
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("no certificate in " + certFile);
    }
    String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(keyFile + " holds no PKCS#8 private key (-----BEGIN PRIVATE KEY-----);"
          + " convert one with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key8.pem");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
    PrivateKey privateKey = null;
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        privateKey = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        break;
      } catch (GeneralSecurityException e) {
        // not this algorithm: try the next
      }
    }
    if (privateKey == null) {
      throw new IllegalArgumentException(keyFile + " holds a key that is neither RSA, EC nor Ed25519");
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry(ALIAS, privateKey, PASSWORD, chain.toArray(new Certificate[0]));
    return new TlsMaterial(store);
  }

  private static TlsMaterial selfSigned() throws IOException, GeneralSecurityException {
    Path dir = Files.createTempDirectory("herald-tls");
    Path file = dir.resolve("self-signed.p12");
    try {
      Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
          "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
          "-dname", "CN=Herald example", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "30",
          "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", new String(PASSWORD))
          .redirectErrorStream(true).start();
      String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
        throw new IOException("keytool could not make a certificate: " + output.strip());
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(file)) {
        store.load(in, PASSWORD);
      }
      return new TlsMaterial(store);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making a certificate", e);
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  /** The store, for servers configured with one (Jetty, Tomcat). */
  KeyStore keyStore() {
    return keyStore;
  }

  /** Key managers over the store, for servers configured with them (Netty). */
  KeyManagerFactory keyManagers() throws GeneralSecurityException {
    KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(keyStore, PASSWORD);
    return factory;
  }

  /** The certificate's SHA-256 fingerprint, as browsers show it: upper-case hex pairs joined by colons. */
  String fingerprint() throws GeneralSecurityException {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
    return HexFormat.ofDelimiter(":").formatHex(digest).toUpperCase(Locale.ROOT);
  }
}
