package dev.herald.sse.redis.testing;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} for tests, on a free loopback port with its own directory, that can be killed
 * ({@code SIGKILL}) and restarted on the same port and data.
 *
 * <p>It is found at {@code $REDIS_SERVER}, {@code /usr/bin/redis-server} or on the {@code PATH} (Debian's
 * {@code redis-server} package, which {@code .ci/run} installs). Without it a test is skipped with a message that
 * says so, except in CI ({@code CI=true}), where it fails.
 */
public final class RedisServer implements AutoCloseable {
  private final Path binary;
  private final Path dir;
  private final boolean persistent;
  private int port;
  private Process process;

  private RedisServer(Path binary, Path dir, boolean persistent) {
    this.binary = binary;
    this.dir = dir;
    this.persistent = persistent;
  }

  /**
   * Starts a server.
   *
   * @param persistent whether it keeps an append-only file synced on every write, so that what it acknowledged
   *     survives a kill
   * @return the running server, which the caller closes
   * @throws IOException if it does not start
   */
  public static RedisServer start(boolean persistent) throws IOException {
    RedisServer server = new RedisServer(binary(), Files.createTempDirectory("herald-redis"), persistent);
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      server.port = freePort();
      try {
        server.launch();
        return server;
      } catch (IOException e) { // another process took the port between our probe and redis' bind
        last = e;
      }
    }
    server.close();
    throw last;
  }

  private static Path binary() {
    List<Path> candidates = new ArrayList<>();
    String configured = System.getenv("REDIS_SERVER");
    if (configured != null && !configured.isBlank()) {
      candidates.add(Path.of(configured));
    }
    candidates.add(Path.of("/usr/bin/redis-server"));
    String path = System.getenv("PATH");
    if (path != null) {
      for (String entry : path.split(File.pathSeparator)) {
        candidates.add(Path.of(entry, "redis-server"));
      }
    }
    for (Path candidate : candidates) {
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    String message = "redis-server is not installed (Debian: apt-get install redis-server; or set REDIS_SERVER)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError(message + ": CI must run the Redis tests");
    }
    Assumptions.abort(message + ": skipping the Redis tests");
    throw new AssertionError("unreachable");
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  private void launch() throws IOException {
    List<String> command = new ArrayList<>(List.of(binary.toString(),
        "--port", Integer.toString(port),
        "--bind", "127.0.0.1",
        "--dir", dir.toString(),
        "--logfile", dir.resolve("redis.log").toString(),
        "--daemonize", "no",
        "--save", ""));
    if (persistent) {
      command.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
    } else {
      command.addAll(List.of("--appendonly", "no"));
    }
    process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("redis.out").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!ping()) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited with " + process.exitValue() + ": " + log());
      }
      if (System.nanoTime() > deadline) {
        kill();
        throw new IOException("redis-server did not answer PING within 10 s: " + log());
      }
      try {
        process.waitFor(20, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
  }

  private boolean ping() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = in.readNBytes(7);
      return new String(reply, US_ASCII).equals("+PONG\r\n");
    } catch (IOException e) {
      return false;
    }
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("redis.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /**
   * Returns the URI to give a backplane.
   *
   * @return {@code redis://127.0.0.1:<port>}
   */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Kills the server at once ({@code SIGKILL}), as a crash would. */
  public void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Starts the server again on the same port and data, after {@link #kill()}.
   *
   * @throws IOException if it does not start
   */
  public void restart() throws IOException {
    launch();
  }

  @Override
  public void close() throws IOException {
    kill();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
    }
  }
}
