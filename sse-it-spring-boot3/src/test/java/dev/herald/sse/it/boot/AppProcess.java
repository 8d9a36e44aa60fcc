package dev.herald.sse.it.boot;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spring Boot application ({@link StreamingApp} here, the starter's in {@code sse-it-starter-boot3}) as a child
 * process, on the class path Maven built for one container or from the executable jar Spring Boot's Maven plugin
 * made: its output is read as it comes (and echoed to the test's output with a prefix), and its port is read from
 * the line the application logs when it is ready ({@code Streaming on port <n>}). Shared through this module's
 * test-jar.
 */
public final class AppProcess implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("Streaming on port (\\d+)");

  private final Process process;
  private final String server;
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final List<String> stderr = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final Thread outReader;
  private final Thread errReader;

  private AppProcess(Process process, String server) {
    this.process = process;
    this.server = server;
    this.outReader = read(process.getInputStream(), stdout, "out");
    this.errReader = read(process.getErrorStream(), stderr, "err");
  }

  /**
   * Starts {@link StreamingApp} on an ephemeral port.
   *
   * @param server {@code tomcat} or {@code jetty}: which of Maven's class path files to run on
   */
  static AppProcess start(String server) throws IOException {
    return start(server, StreamingApp.class.getName());
  }

  /**
   * Starts an application on an ephemeral port of the loopback address.
   *
   * @param server {@code tomcat} or {@code jetty}: which of Maven's class path files to run on
   * @param mainClass the application's main class, in the module's classes
   * @param args more of Spring Boot's arguments, such as {@code --herald.sse.redis.uri=...}
   * @return the running process, which the caller closes
   * @throws IOException if it cannot be started
   */
  public static AppProcess start(String server, String mainClass, String... args) throws IOException {
    String classes = requiredProperty("herald.it.classes");
    String classpath = Files.readString(Path.of(requiredProperty("herald.it.classpath." + server)), UTF_8).strip();
    return launch(server, List.of("-cp", classes + File.pathSeparator + classpath, mainClass), args);
  }

  /**
   * Starts an application from its executable jar ({@code java -jar}, as it ships) on an ephemeral port of the
   * loopback address.
   *
   * @param server which of the module's executable jars to run: the one whose path the system property
   *     {@code herald.it.jar.<server>} gives
   * @param args more of Spring Boot's arguments
   * @return the running process, which the caller closes
   * @throws IOException if it cannot be started
   */
  public static AppProcess startJar(String server, String... args) throws IOException {
    Path jar = jar(server);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is not there: Maven's package phase makes it (spring-boot-maven-plugin's"
          + " repackage), before the integration tests");
    }
    return launch(server, List.of("-jar", jar.toString()), args);
  }

  /**
   * Returns the path of one of the module's executable jars.
   *
   * @param server as given to {@link #startJar}
   * @return the value of the system property {@code herald.it.jar.<server>}
   */
  public static Path jar(String server) {
    return Path.of(requiredProperty("herald.it.jar." + server));
  }

  private static AppProcess launch(String server, List<String> what, String... args) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(what);
    command.addAll(List.of("--server.port=0", "--server.address=127.0.0.1"));
    command.addAll(List.of(args));
    return new AppProcess(new ProcessBuilder(command).start(), server);
  }

  private static String requiredProperty(String name) {
    String value = System.getProperty(name);
    if (value == null) {
      throw new IllegalStateException("system property " + name + " is not set: run this test through Maven "
          + "(./mvnw -B -pl <this module> -am verify)");
    }
    return value;
  }

  private Thread read(InputStream in, List<String> lines, String name) {
    Thread thread = new Thread(() -> {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, UTF_8))) {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          lines.add(line);
          System.out.println("[" + server + " " + name + "] " + line);
          Matcher ready = READY.matcher(line);
          if (ready.find()) {
            port.complete(Integer.parseInt(ready.group(1)));
          }
        }
      } catch (IOException e) {
        stderr.add("(the test could not read the application's std" + name + ": " + e + ")");
      } finally {
        port.completeExceptionally(new IllegalStateException("the application's output ended before it was ready"));
      }
    }, "app-" + name + "-reader");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** Waits until the application is ready and returns its port. */
  public int awaitPort(Duration timeout) throws InterruptedException {
    try {
      return port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("the application did not say it was ready within " + timeout + ":\n" + output(), e);
    }
  }

  /**
   * Sends SIGTERM, as {@code kill} and container runtimes do. Through the process handle: {@link Process#destroy()}
   * sends the same signal but also closes the pipes from the process, and so would lose what it logs as it stops.
   */
  public void sigterm() {
    process.toHandle().destroy();
  }

  /**
   * Waits for the process to exit, then for the rest of its output.
   *
   * @return {@code true} if it exited in time
   */
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return false;
    }
    outReader.join(10_000);
    errReader.join(10_000);
    return true;
  }

  public int exitValue() {
    return process.exitValue();
  }

  /** Returns the lines the application wrote to standard output so far. */
  public List<String> stdout() {
    return List.copyOf(stdout);
  }

  /** Returns the lines the application wrote to standard error so far. */
  public List<String> stderr() {
    return List.copyOf(stderr);
  }

  /** Returns all of its output so far, for failure messages. */
  public String output() {
    return String.join("\n", stdout) + "\n--- stderr ---\n" + String.join("\n", stderr);
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
