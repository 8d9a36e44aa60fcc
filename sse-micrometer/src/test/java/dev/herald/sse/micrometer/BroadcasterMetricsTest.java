package dev.herald.sse.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.BroadcasterStats;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.Event;
import dev.herald.sse.Sender;
import dev.herald.sse.Subscription;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.OverflowPolicy;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every meter moves after a scripted run: clients come, hear broadcasts and heartbeats, resume (found and not
 * found), fall behind and are cut or lose frames; the test drains each client's channel by polling, as a transport
 * does. The backplane's meters read a broadcaster's stats as they are given.
 */
class BroadcasterMetricsTest {
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  private Broadcaster broadcaster(BroadcasterConfig.Builder config) {
    Broadcaster broadcaster = Broadcasters.create(config.build());
    resources.add(broadcaster);
    return broadcaster;
  }

  private SseChannel subscribe(Broadcaster broadcaster, @Nullable String lastEventId) {
    SseChannel channel = broadcaster.subscribe(lastEventId);
    channel.start(() -> { });
    resources.add(() -> channel.close(CloseReason.CLIENT_GONE));
    return channel;
  }

  private static int drain(SseChannel channel) {
    int frames = 0;
    for (Frame frame = channel.poll(); frame != null; frame = channel.poll()) {
      frames++;
    }
    return frames;
  }

  @Test
  void everyMeterMovesAfterAScriptedRun() {
    DeliveryDelayRecorder delays = new DeliveryDelayRecorder();
    Broadcaster chat = broadcaster(BroadcasterConfig.builder().name("chat").assignIds(true).firstId(1)
        .heartbeat(Duration.ZERO).deliveryObserver(delays)
        .channel(ChannelConfig.builder().maxQueuedEvents(4).build()).history(4));
    new BroadcasterMetrics(chat, delays).bindTo(registry);

    SseChannel reader = subscribe(chat, null);
    SseChannel stalled = subscribe(chat, null);
    assertThat(gauge("herald.sse.clients", "chat")).isEqualTo(2);
    for (int i = 0; i < 3; i++) {
      chat.broadcast(Data.of("event " + i));
    }
    // Queued: each client's position mark and 3 events; none taken yet.
    assertThat(gauge("herald.sse.pending.frames", "chat")).isEqualTo(8);
    assertThat(gauge("herald.sse.pending.bytes", "chat")).isPositive();
    assertThat(drain(reader)).isEqualTo(4);
    assertThat(gauge("herald.sse.pending.frames", "chat")).isEqualTo(4);

    chat.broadcast(Data.of("event 3")); // the stalled client's queue is full now
    chat.broadcast(Data.of("event 4")); // and this cuts it
    await(() -> chat.clientCount() == 1, "the stalled client is cut");
    drain(reader);
    SseChannel resumed = subscribe(chat, "3");   // still in the history
    SseChannel lost = subscribe(chat, "nope");   // never was
    drain(resumed);
    drain(lost);

    assertThat(gauge("herald.sse.clients", "chat")).isEqualTo(3);
    assertThat(counter("herald.sse.clients.connected", "chat")).isEqualTo(4);
    assertThat(counter("herald.sse.events.broadcast", "chat")).isEqualTo(5);
    // Two position marks, events 0 to 2 to both, 3 to both, 4 to the reader; the replay of 4; the lost client's
    // reset and position mark.
    assertThat(counter("herald.sse.frames.queued", "chat")).isEqualTo(2 + 6 + 2 + 1 + 1 + 2);
    assertThat(counter("herald.sse.slow.disconnects", "chat")).isEqualTo(1);
    assertThat(registry.get("herald.sse.replays").tags("broadcaster", "chat", "outcome", "hit")
        .functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("herald.sse.replays").tags("broadcaster", "chat", "outcome", "miss")
        .functionCounter().count()).isEqualTo(1);
    assertThat(gauge("herald.sse.backplane.up", "chat")).as("no backplane is never down").isEqualTo(1);
    Timer delay = registry.get("herald.sse.delivery.delay").tag("broadcaster", "chat").timer();
    // The reader's first live event and the resumed client's first live one (none: it got a replay only), so 1.
    assertThat(delay.count()).isEqualTo(1);
    assertThat(delay.totalTime(TimeUnit.NANOSECONDS)).isPositive();
    assertThat(delay.getId().getDescription()).isNotBlank();

    Broadcaster dropping = broadcaster(BroadcasterConfig.builder().name("ticker").heartbeat(Duration.ZERO)
        .channel(ChannelConfig.builder().maxQueuedEvents(2).overflowPolicy(OverflowPolicy.DROP_NEWEST).build()));
    new BroadcasterMetrics(dropping).bindTo(registry);
    subscribe(dropping, null);
    for (int i = 0; i < 5; i++) {
      dropping.broadcast(Data.of("tick " + i));
    }
    assertThat(counter("herald.sse.frames.dropped", "ticker")).isEqualTo(3);
    assertThat(counter("herald.sse.frames.dropped", "chat")).as("each broadcaster its own series").isZero();
    assertThat(registry.find("herald.sse.delivery.delay").tag("broadcaster", "ticker").timer())
        .as("no delay timer without a recorder").isNull();

    Broadcaster idle = broadcaster(BroadcasterConfig.builder().name("idle").heartbeat(Duration.ofMillis(1)));
    new BroadcasterMetrics(idle).bindTo(registry);
    subscribe(idle, null);
    await(() -> counter("herald.sse.heartbeats", "idle") > 0, "a heartbeat went to the idle client");
    assertThat(counter("herald.sse.heartbeats", "chat")).as("heartbeats off there").isZero();
  }

  @Test
  void theBackplaneMetersReadTheBackplanesState() {
    StubBroadcaster node = new StubBroadcaster("node-1");
    new BroadcasterMetrics(node).bindTo(registry);
    assertThat(gauge("herald.sse.backplane.up", "node-1")).isEqualTo(1);

    node.stats = new BroadcasterStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, true, 2, 7, 3);
    assertThat(gauge("herald.sse.backplane.up", "node-1")).isZero();
    assertThat(counter("herald.sse.backplane.outages", "node-1")).isEqualTo(2);
    assertThat(counter("herald.sse.publish.failures", "node-1")).isEqualTo(7);
    assertThat(counter("herald.sse.backplane.gaps", "node-1")).isEqualTo(3);
  }

  @Test
  void everyMeterIsNamedDescribedAndTaggedWithTheBroadcasterAlone() {
    new BroadcasterMetrics(broadcaster(BroadcasterConfig.builder().name("chat")), new DeliveryDelayRecorder())
        .bindTo(registry);
    List<String> names = registry.getMeters().stream().map(meter -> meter.getId().getName()).distinct().toList();
    assertThat(names).containsExactlyInAnyOrder("herald.sse.clients", "herald.sse.clients.connected",
        "herald.sse.events.broadcast", "herald.sse.frames.queued", "herald.sse.pending.frames",
        "herald.sse.pending.bytes", "herald.sse.frames.dropped", "herald.sse.slow.disconnects",
        "herald.sse.replays", "herald.sse.heartbeats", "herald.sse.backplane.up", "herald.sse.backplane.outages",
        "herald.sse.publish.failures", "herald.sse.backplane.gaps", "herald.sse.delivery.delay");
    for (Meter meter : registry.getMeters()) {
      Meter.Id id = meter.getId();
      assertThat(id.getDescription()).as(id.getName()).isNotBlank();
      assertThat(id.getTag("broadcaster")).as(id.getName()).isEqualTo("chat");
      assertThat(id.getTags()).as(id.getName()).hasSize(id.getName().equals("herald.sse.replays") ? 2 : 1);
    }
    assertThat(registry.get("herald.sse.pending.bytes").gauge().getId().getBaseUnit()).isEqualTo("bytes");
    assertThat(registry.get("herald.sse.clients").gauge().getId().getBaseUnit()).isEqualTo("clients");
  }

  @Test
  void aRecorderBoundToTwoRegistriesRecordsIntoBoth() {
    DeliveryDelayRecorder delays = new DeliveryDelayRecorder();
    delays.delivered(5); // bound to nothing yet: recorded nowhere, and no failure
    Broadcaster broadcaster = broadcaster(BroadcasterConfig.builder().deliveryObserver(delays));
    MeterRegistry other = new SimpleMeterRegistry();
    BroadcasterMetrics metrics = new BroadcasterMetrics(broadcaster, delays);
    metrics.bindTo(registry);
    metrics.bindTo(other);
    metrics.bindTo(other); // the same timer again: recorded once
    delays.delivered(TimeUnit.MILLISECONDS.toNanos(3));
    for (MeterRegistry each : List.of(registry, other)) {
      Timer timer = each.get("herald.sse.delivery.delay").tag("broadcaster", "default").timer();
      assertThat(timer.count()).isEqualTo(1);
      assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3);
    }
  }

  private double gauge(String name, String broadcaster) {
    Gauge gauge = registry.get(name).tag("broadcaster", broadcaster).gauge();
    return gauge.value();
  }

  private double counter(String name, String broadcaster) {
    FunctionCounter counter = registry.get(name).tag("broadcaster", broadcaster).functionCounter();
    return counter.count();
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within 10 s: " + what);
      }
      Thread.onSpinWait();
    }
  }

  /** A broadcaster whose stats the test sets, as a clustered one's backplane would make them. */
  private static final class StubBroadcaster implements Broadcaster {
    private final String name;
    volatile BroadcasterStats stats = new BroadcasterStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, 0, 0, 0);

    StubBroadcaster(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public BroadcasterStats stats() {
      return stats;
    }

    @Override
    public SseChannel register(Subscription subscription) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int publish(Collection<String> topics, Event event) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int sendTo(String identity, Event event) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean join(Sender client, Collection<String> topics) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean leave(Sender client, Collection<String> topics) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int subscriberCount(String topic) {
      return 0;
    }

    @Override
    public Set<String> topics(Sender client) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int broadcast(Event event) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> broadcastPaced(Event event) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int clientCount() {
      return stats.clients();
    }

    @Override
    public boolean isFull() {
      return false;
    }

    @Override
    public boolean isClosed() {
      return false;
    }

    @Override
    public void close() {}

    @Override
    public CompletionStage<Void> shutdown() {
      throw new UnsupportedOperationException();
    }
  }
}
