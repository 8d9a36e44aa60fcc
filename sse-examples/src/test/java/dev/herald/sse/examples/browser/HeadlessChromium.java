package dev.herald.sse.examples.browser;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium, driven over the Chrome DevTools Protocol with the JDK's own WebSocket client: one
 * page, JavaScript evaluation and screenshots. Nothing is downloaded: it uses {@code /usr/bin/chromium} (or
 * {@code $CHROMIUM}), started with the flags this machine's closed network needs.
 */
public final class HeadlessChromium implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
  private final List<Map<String, Object>> events = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<String> pages = new ArrayList<>(); // each open page's session, in the order opened
  private String sessionId; // the page that navigate, evaluate and screenshot act on

  private HeadlessChromium(Process process, Path profile, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  /**
   * Finds the Chromium executable.
   *
   * @return its path, if installed
   */
  public static Optional<Path> executable() {
    String configured = System.getenv("CHROMIUM");
    for (String candidate : new String[] {configured, "/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
      if (candidate != null && Files.isExecutable(Path.of(candidate))) {
        return Optional.of(Path.of(candidate));
      }
    }
    return Optional.empty();
  }

  /**
   * Starts Chromium with an empty profile and opens one blank page.
   *
   * @param executable the Chromium binary
   * @return the running browser
   * @throws Exception if it does not start
   */
  public static HeadlessChromium start(Path executable) throws Exception {
    Path profile = Files.createTempDirectory("herald-chromium");
    Process process = new ProcessBuilder(executable.toString(),
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1000,800",
        // The example's --tls certificate is self-signed, made at start: a test browser takes it.
        "--ignore-certificate-errors",
        "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank")
        .redirectErrorStream(true)
        .redirectOutput(profile.resolve("chromium.log").toFile())
        .start();
    try {
      Path portFile = profile.resolve("DevToolsActivePort");
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      List<String> lines = List.of();
      while (lines.size() < 2) {
        if (System.nanoTime() > deadline || !process.isAlive()) {
          throw new IllegalStateException("Chromium did not start: " + Files.readString(profile.resolve("chromium.log")));
        }
        if (Files.exists(portFile)) {
          lines = Files.readAllLines(portFile);
        }
        TimeUnit.MILLISECONDS.sleep(20); // polling a file the browser writes once; bounded by the deadline
      }
      URI endpoint = URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
      Listener listener = new Listener();
      WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
          .buildAsync(endpoint, listener).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      HeadlessChromium browser = new HeadlessChromium(process, profile, socket);
      listener.browser = browser;
      browser.attachToNewPage();
      return browser;
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
  }

  private void attachToNewPage() throws Exception {
    Map<String, Object> created = call(null, "Target.createTarget", Map.of("url", "about:blank"));
    Map<String, Object> attached =
        call(null, "Target.attachToTarget", Map.of("targetId", created.get("targetId"), "flatten", true));
    sessionId = (String) attached.get("sessionId");
    pages.add(sessionId);
    call(sessionId, "Page.enable", Map.of());
    call(sessionId, "Runtime.enable", Map.of());
  }

  /**
   * Opens another blank page (a tab) in the same browser, and acts on it from now on.
   *
   * @return the page's index, for {@link #usePage(int)}; the page {@link #start} opens is 0
   * @throws Exception if it does not open
   */
  public int openPage() throws Exception {
    attachToNewPage();
    return pages.size() - 1;
  }

  /**
   * Acts on an open page from now on.
   *
   * @param index the index {@link #openPage()} returned, or 0 for the first page
   */
  public void usePage(int index) {
    sessionId = pages.get(index);
  }

  /**
   * Loads a page and waits for its load event.
   *
   * @param url the page
   * @throws Exception if it does not load
   */
  public void navigate(String url) throws Exception {
    call(sessionId, "Page.navigate", Map.of("url", url));
    awaitTrue("document.readyState === 'complete'", TIMEOUT);
  }

  /**
   * Evaluates JavaScript in the page and returns its JSON-serialisable result.
   *
   * @param expression the expression
   * @return its value: a String, Boolean, Long, Double, Map, List or null
   * @throws Exception if evaluation throws or times out
   */
  public Object evaluate(String expression) throws Exception {
    Map<String, Object> result =
        call(sessionId, "Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
    if (result.containsKey("exceptionDetails")) {
      throw new IllegalStateException("JavaScript failed: " + Json.write(result.get("exceptionDetails")));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> value = (Map<String, Object>) result.get("result");
    return value.get("value");
  }

  /**
   * Waits until a JavaScript expression is true, checking every 50 ms.
   *
   * @param expression the condition
   * @param timeout how long to wait
   * @throws Exception if the deadline passes first
   */
  public void awaitTrue(String expression, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Boolean.TRUE.equals(evaluate(expression))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("still false after " + timeout + ": " + expression);
      }
      TimeUnit.MILLISECONDS.sleep(50); // polling the page; bounded by the deadline
    }
  }

  /**
   * Saves a PNG screenshot of the page.
   *
   * @param file where to write it
   * @throws Exception if capturing fails
   */
  public void screenshot(Path file) throws Exception {
    Map<String, Object> shot = call(sessionId, "Page.captureScreenshot", Map.of("format", "png"));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
  }

  private Map<String, Object> call(String session, String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("id", id);
    message.put("method", method);
    message.put("params", params);
    if (session != null) {
      message.put("sessionId", session);
    }
    CompletableFuture<Map<String, Object>> reply = new CompletableFuture<>();
    pending.put(id, reply);
    socket.sendText(Json.write(message), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    Map<String, Object> response = reply.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (response.containsKey("error")) {
      throw new IllegalStateException(method + " failed: " + Json.write(response.get("error")));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> result = (Map<String, Object>) response.get("result");
    return result;
  }

  /**
   * Starts recording the page's network events ({@code Network.*}), for {@link #networkEvents(String)}.
   *
   * @throws Exception if the browser refuses
   */
  public void recordNetwork() throws Exception {
    call(sessionId, "Network.enable", Map.of());
  }

  /**
   * Returns the parameters of the network events of this kind received so far, oldest first; see
   * {@link #recordNetwork()}.
   *
   * @param method the event, for example {@code Network.responseReceived}
   * @return their {@code params}
   */
  @SuppressWarnings("unchecked")
  public List<Map<String, Object>> networkEvents(String method) {
    return events.stream().filter(e -> method.equals(e.get("method")))
        .map(e -> (Map<String, Object>) e.get("params")).toList();
  }

  @SuppressWarnings("unchecked")
  private void received(String text) {
    Map<String, Object> message = (Map<String, Object>) Json.parse(text);
    Object id = message.get("id");
    if (id == null && String.valueOf(message.get("method")).startsWith("Network.")) {
      events.add(message);
    }
    if (id instanceof Long n) {
      CompletableFuture<Map<String, Object>> reply = pending.remove(n.intValue());
      if (reply != null) {
        reply.complete(message);
      }
    }
  }

  @Override
  public void close() {
    socket.abort();
    // Chromium runs a tree of processes (zygote, renderers, GPU, network); stop them all, then the browser.
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      for (ProcessHandle child : children) {
        child.destroyForcibly();
        child.onExit().get(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // a child that will not go away is the operating system's to reap
    }
    try (Stream<Path> files = Files.walk(profile)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      // a leftover temporary profile is harmless
    }
  }

  /** Collects text frames into whole messages and hands them to the browser object. */
  private static final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();
    private final List<String> early = new ArrayList<>();
    volatile HeadlessChromium browser;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String message = partial.toString();
        partial.setLength(0);
        HeadlessChromium target = browser;
        if (target != null) {
          target.received(message);
        } else {
          early.add(message);
        }
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      webSocket.request(1);
      return null;
    }
  }
}
