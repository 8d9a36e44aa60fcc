package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.examples.ExampleOptions.Transport;
import dev.herald.sse.examples.browser.HeadlessChromium;
import dev.herald.sse.spi.SseChannel;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The example page in a real browser: Debian's headless Chromium opens {@code /}, its {@code EventSource} receives
 * the greeting and broadcasts, and when the server ends the stream the browser reconnects by itself and, through
 * {@code Last-Event-ID}, misses nothing. A screenshot of the page is saved under {@code target/browser/}.
 *
 * <p>In CI ({@code CI=true}) a missing Chromium fails the test; elsewhere the test is skipped with a message.
 */
class ExampleBrowserIT {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static Path chromium() {
    Optional<Path> executable = HeadlessChromium.executable();
    if (executable.isEmpty()) {
      String message = "Chromium is not installed (apt-get install chromium); the browser test needs it";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError(message + ", and CI must run it");
      }
      Assumptions.abort(message);
    }
    return executable.get();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void pageShowsLiveEventsAndResumesWithoutLossAfterTheServerEndsTheStream(Transport transport) throws Exception {
    Path executable = chromium();
    ExampleOptions options = ExampleOptions.defaults().on(transport).withPort(0);
    RecordingBroadcaster[] recording = new RecordingBroadcaster[1];
    ExampleApp app = new ExampleApp(options, broadcaster -> recording[0] = new RecordingBroadcaster(broadcaster));
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (ExampleServer server = ExampleServer.start(options, app);
        HeadlessChromium browser = HeadlessChromium.start(executable)) {
      String base = "http://127.0.0.1:" + server.port();
      browser.navigate(base + "/");
      browser.awaitTrue("document.body.dataset.state === 'open' && window.heraldEvents.length >= 1", WAIT);

      send(http, base, "first line\nsecond line");
      send(http, base, "héllo wörld € 😀");
      browser.awaitTrue("window.heraldEvents.length >= 3", WAIT);

      // The server ends the stream; events broadcast while the browser is away must reach it after it reconnects.
      for (SseChannel channel : recording[0].channels()) {
        channel.sender().close();
      }
      browser.awaitTrue("document.body.dataset.state === 'connecting'", WAIT);
      send(http, base, "missed while away 1");
      send(http, base, "missed while away 2");
      browser.awaitTrue("document.body.dataset.state === 'open' && window.heraldEvents.length >= 6", WAIT);
      send(http, base, "live again");
      browser.awaitTrue("window.heraldEvents.length >= 7", WAIT);

      List<?> events = (List<?>) browser.evaluate("window.heraldEvents");
      assertThat(field(events, "data")).containsExactly(
          "connected", "first line\nsecond line", "héllo wörld € 😀",
          "connected", "missed while away 1", "missed while away 2", "live again");
      // Ids count from the clock; relative to the first event's, they are 1, 2, then (after the reconnect) 3...
      long idBase = Long.parseLong((String) field(events, "id").get(1)) - 1;
      assertThat(field(events, "id").stream().map(id -> "".equals(id) ? "" : Long.toString(
          Long.parseLong((String) id) - idBase))).containsExactly("", "1", "2", "2", "3", "4", "5");
      List<SseChannel> channels = recording[0].channels();
      assertThat(channels).hasSize(2);
      assertThat(channels.get(1).lastEventId()).as("the browser resumed with Last-Event-ID")
          .isEqualTo(Long.toString(idBase + 2));
      assertThat(browser.evaluate("document.querySelectorAll('#events li').length")).isEqualTo(7L);

      Path artifacts = Path.of(System.getenv().getOrDefault("HERALD_ARTIFACTS", "target/browser"));
      Path screenshot = artifacts.resolve("example-" + transport.name().toLowerCase(java.util.Locale.ROOT) + ".png");
      browser.screenshot(screenshot);
      assertThat(screenshot).isNotEmptyFile();
    }
  }

  /**
   * Three tabs on the example page: one on room red, one on room blue (both from the address), and one that starts
   * on red and ticks blue in the room picker. A message sent to red from the first tab's form, one published to
   * blue and a broadcast reach each tab exactly as its rooms say, each shown with the topic it came from.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void pagesOnDifferentRoomsEachSeeExactlyTheirOwnEvents(Transport transport) throws Exception {
    Path executable = chromium();
    ExampleOptions options = ExampleOptions.defaults().on(transport).withPort(0);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (ExampleServer server = ExampleServer.start(options);
        HeadlessChromium browser = HeadlessChromium.start(executable)) {
      String base = "http://127.0.0.1:" + server.port();
      String open = "document.body.dataset.state === 'open' && window.heraldEvents.length >= 1";
      browser.navigate(base + "/?room=red");
      browser.awaitTrue(open, WAIT);
      int blue = browser.openPage();
      browser.navigate(base + "/?room=blue");
      browser.awaitTrue(open, WAIT);
      int both = browser.openPage();
      browser.navigate(base + "/?room=red");
      browser.awaitTrue(open, WAIT);
      browser.evaluate("document.querySelector('#room-list input[value=blue]').click(); true");
      browser.awaitTrue("document.body.dataset.state === 'open'"
          + " && window.heraldEvents.filter(e => e.data === 'connected').length === 2", WAIT);
      assertThat(browser.evaluate("location.search")).isEqualTo("?room=red&room=blue");
      // The third tab's first stream (red alone) may still count on a servlet container until it notices that the
      // browser closed it; the new one is subscribed to both.
      Broadcaster broadcaster = server.app().broadcaster();
      assertThat(broadcaster.subscriberCount("rooms/red")).isBetween(2, 3);
      assertThat(broadcaster.subscriberCount("rooms/blue")).isEqualTo(2);

      browser.usePage(0);
      browser.evaluate("document.getElementById('to').value = 'rooms/red';"
          + "document.getElementById('message').value = 'to red';"
          + "document.getElementById('send').requestSubmit(); true");
      browser.awaitTrue("window.heraldEvents.length >= 2", WAIT);
      publish(http, base, "rooms/blue", "to blue");
      publish(http, base, "rooms/green", "to nobody here");
      send(http, base, "to everyone");

      browser.awaitTrue("window.heraldEvents.length >= 3", WAIT);
      assertThat(heard(browser)).containsExactly("connected", "rooms/red: to red", "to everyone");
      browser.usePage(blue);
      browser.awaitTrue("window.heraldEvents.length >= 3", WAIT);
      assertThat(heard(browser)).containsExactly("connected", "rooms/blue: to blue", "to everyone");
      browser.usePage(both);
      browser.awaitTrue("window.heraldEvents.length >= 5", WAIT);
      assertThat(heard(browser)).containsExactly(
          "connected", "connected", "rooms/red: to red", "rooms/blue: to blue", "to everyone");
      assertThat(browser.evaluate("[...document.querySelectorAll('#events .topic')].map(t => t.textContent)"))
          .isEqualTo(List.of("everyone", "rooms/blue", "rooms/red", "everyone", "everyone"));

      Path artifacts = Path.of(System.getenv().getOrDefault("HERALD_ARTIFACTS", "target/browser"));
      Path screenshot = artifacts.resolve("rooms-" + transport.name().toLowerCase(java.util.Locale.ROOT) + ".png");
      browser.screenshot(screenshot);
      assertThat(screenshot).isNotEmptyFile();
    }
  }

  /** What the current page heard: each event's data, after its topic for a publish. */
  private static List<String> heard(HeadlessChromium browser) throws Exception {
    return ((List<?>) browser.evaluate("window.heraldEvents")).stream().map(e -> (Map<?, ?>) e)
        .map(e -> "".equals(e.get("topic")) ? (String) e.get("data") : e.get("topic") + ": " + e.get("data"))
        .toList();
  }

  private static void publish(HttpClient http, String base, String topic, String message) throws Exception {
    HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create(base + "/publish?topic=" + topic))
        .POST(HttpRequest.BodyPublishers.ofString(message)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(reply.statusCode()).isEqualTo(200);
  }

  /**
   * With {@code --tls}, one page opens 100 {@code EventSource}s beside its own: over HTTP/2 all of them open on the
   * page's one connection and all receive a broadcast (over HTTP/1.1 a browser opens 6 per origin, and the rest
   * wait). Chromium's own account of each stream's response (DevTools' {@code Network.responseReceived}: its
   * {@code protocol} and the id of the connection it came on) shows all 101 as {@code h2} on the connection the page
   * itself came on. (The Performance API cannot tell: a resource timing entry appears only when the response ends,
   * and these streams do not end.)
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aHundredEventSourcesOfOnePageAllOpenOverHttp2(Transport transport) throws Exception {
    Path executable = chromium();
    ExampleOptions options = ExampleOptions.defaults().on(transport).withPort(0)
        .withTls(new ExampleOptions.Tls(null, null));
    try (ExampleServer server = ExampleServer.start(options);
        HeadlessChromium browser = HeadlessChromium.start(executable)) {
      browser.recordNetwork();
      browser.navigate(server.url());
      browser.awaitTrue("document.body.dataset.state === 'open'", WAIT);
      assertThat(browser.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol")).isEqualTo("h2");

      browser.evaluate("window.opened = 0; window.heard = 0; window.sources = [];"
          + "for (let i = 0; i < 100; i++) {"
          + "  const source = new EventSource('/events');"
          + "  source.onopen = () => window.opened++;"
          + "  source.onmessage = e => { if (e.data === 'to all 100') window.heard++; };"
          + "  window.sources.push(source);"
          + "} true");
      browser.awaitTrue("window.opened === 100", WAIT);
      Broadcaster broadcaster = server.app().broadcaster();
      assertThat(broadcaster.clientCount()).as("the page's own stream and the 100").isEqualTo(101);
      Map<String, Object> page = awaitResponses(browser, server.url(), 1).get(0);
      assertThat(page.get("protocol")).as("the page's protocol").isEqualTo("h2");
      List<Map<String, Object>> streams = awaitResponses(browser, server.url() + "events", 101);
      assertThat(streams).extracting(stream -> stream.get("protocol")).as("each stream's protocol").containsOnly("h2");
      assertThat(streams).extracting(stream -> stream.get("connectionId")).as("the connection each stream came on")
          .containsOnly(page.get("connectionId"));
      broadcaster.broadcast(Data.of("to all 100"));

      browser.awaitTrue("window.heard === 100", WAIT);
    }
  }

  /**
   * The responses Chromium reported for this URL ({@code Network.responseReceived}'s {@code response}), once it has
   * reported this many, waiting at most {@link #WAIT}.
   */
  private static List<Map<String, Object>> awaitResponses(HeadlessChromium browser, String url, int count)
      throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> responses = browser.networkEvents("Network.responseReceived").stream()
          .map(received -> (Map<String, Object>) received.get("response"))
          .filter(response -> url.equals(response.get("url"))).toList();
      if (responses.size() >= count) {
        return responses;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Chromium reported " + responses.size() + " responses for " + url + " within "
            + WAIT + ", not " + count);
      }
      TimeUnit.MILLISECONDS.sleep(20); // polling what the browser reported; bounded by the deadline
    }
  }

  private static List<Object> field(List<?> events, String name) {
    return events.stream().<Object>map(e -> ((Map<?, ?>) e).get(name)).toList();
  }

  private static void send(HttpClient http, String base, String message) throws Exception {
    String path = "/events/" + URLEncoder.encode(message, StandardCharsets.UTF_8).replace("+", "%20");
    HttpResponse<String> reply =
        http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(reply.statusCode()).isEqualTo(200);
  }
}
