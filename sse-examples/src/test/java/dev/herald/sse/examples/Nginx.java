package dev.herald.sse.examples;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real nginx for tests, in the foreground with a prefix directory of its own, on a free loopback port, proxying
 * to the given nodes with the configuration a user runs ({@code sse-examples/cluster/nginx.conf}).
 *
 * <p>It is found at {@code $NGINX}, {@code /usr/sbin/nginx} or on the {@code PATH} (Debian's {@code nginx} package,
 * which {@code .ci/run} installs). Without it a test is skipped with a message that says so, except in CI
 * ({@code CI=true}), where it fails.
 */
final class Nginx implements AutoCloseable {
  /** The configuration, relative to the module's directory (where the build runs its tests). */
  static final Path CONFIG = Path.of("cluster", "nginx.conf");

  private final Path dir;
  private final Process process;
  private final int port;

  private Nginx(Path dir, Process process, int port) {
    this.dir = dir;
    this.process = process;
    this.port = port;
  }

  /**
   * Starts nginx in front of three nodes.
   *
   * @param nodePorts the three nodes' ports, in place of 8001, 8002 and 8003 in the configuration
   * @return the running nginx, which the caller closes
   * @throws IOException if it does not start
   */
  static Nginx start(List<Integer> nodePorts) throws IOException {
    Path binary = binary();
    Path dir = Files.createTempDirectory("herald-nginx");
    // Started as root, nginx's workers run as nobody: they must reach their temp dirs under this one.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    int port = freePort();
    String config = Files.readString(CONFIG, StandardCharsets.UTF_8)
        .replace("127.0.0.1:8080", "127.0.0.1:" + port);
    for (int i = 0; i < 3; i++) {
      config = config.replace("127.0.0.1:800" + (i + 1) + " ", "127.0.0.1:" + nodePorts.get(i) + " ");
    }
    Files.writeString(dir.resolve("nginx.conf"), config, StandardCharsets.UTF_8);
    Process process = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", "nginx.conf",
        "-e", "error.log", "-g", "daemon off;")
        .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
    Nginx nginx = new Nginx(dir, process, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!nginx.accepts()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        String log = nginx.log();
        nginx.close();
        throw new IOException("nginx did not start: " + log);
      }
      try {
        process.waitFor(20, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        nginx.close();
        throw new IOException("interrupted", e);
      }
    }
    return nginx;
  }

  private static Path binary() {
    List<Path> candidates = new ArrayList<>();
    String configured = System.getenv("NGINX");
    if (configured != null && !configured.isBlank()) {
      candidates.add(Path.of(configured));
    }
    candidates.add(Path.of("/usr/sbin/nginx"));
    String path = System.getenv("PATH");
    if (path != null) {
      for (String entry : path.split(File.pathSeparator)) {
        candidates.add(Path.of(entry, "nginx"));
      }
    }
    for (Path candidate : candidates) {
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    String message = "nginx is not installed (Debian: apt-get install nginx; or set NGINX)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError(message + ": CI must run the load-balancer tests");
    }
    Assumptions.abort(message + ": skipping the load-balancer tests");
    throw new AssertionError("unreachable");
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  private boolean accepts() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  int port() {
    return port;
  }

  /** Returns nginx's error log and console, for a failure's message. */
  String log() {
    StringBuilder log = new StringBuilder();
    for (String name : new String[] {"error.log", "nginx.out"}) {
      try {
        log.append(Files.readString(dir.resolve(name), StandardCharsets.UTF_8));
      } catch (IOException e) {
        log.append("(no ").append(name).append(")\n");
      }
    }
    return log.toString();
  }

  /** Stops nginx (SIGTERM: a fast shutdown) and removes its directory. */
  @Override
  public void close() throws IOException {
    stop(process);
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
    }
  }

  /** Stops a process with SIGTERM, and SIGKILL if it is still there 10 s later. */
  static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
