package dev.herald.sse.micrometer;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.BroadcasterStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * A Micrometer {@link MeterBinder} for one {@link Broadcaster}: its clients, events, queues, losses, replays,
 * heartbeats and backplane, read from {@link Broadcaster#stats()} when the registry is read, and, with a
 * {@link DeliveryDelayRecorder}, the delay from a broadcast to its write on each client's connection.
 *
 * <pre>{@code
 * new BroadcasterMetrics(broadcaster).bindTo(registry);
 * }</pre>
 *
 * <p>Every meter is tagged {@code broadcaster=<name>} ({@link Broadcaster#name()}) and with nothing else that
 * grows: one series per meter and broadcaster (the replay counter has two, {@code outcome=hit} and
 * {@code outcome=miss}). The meters:
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>unit</th><th>meaning</th></tr>
 *   <tr><td>{@code herald.sse.clients}</td><td>gauge</td><td>clients</td><td>clients connected now</td></tr>
 *   <tr><td>{@code herald.sse.clients.connected}</td><td>counter</td><td>clients</td><td>clients that ever
 *       subscribed</td></tr>
 *   <tr><td>{@code herald.sse.events.broadcast}</td><td>counter</td><td>events</td><td>events broadcast (on a
 *       cluster node: events it delivered from the backplane)</td></tr>
 *   <tr><td>{@code herald.sse.frames.queued}</td><td>counter</td><td>frames</td><td>frames accepted into client
 *       queues: broadcasts, replays and heartbeats</td></tr>
 *   <tr><td>{@code herald.sse.pending.frames}</td><td>gauge</td><td>frames</td><td>frames in client queues now,
 *       not yet taken by a transport</td></tr>
 *   <tr><td>{@code herald.sse.pending.bytes}</td><td>gauge</td><td>bytes</td><td>bytes in client queues
 *       now</td></tr>
 *   <tr><td>{@code herald.sse.frames.dropped}</td><td>counter</td><td>frames</td><td>frames a client did not get
 *       because its queue was full</td></tr>
 *   <tr><td>{@code herald.sse.slow.disconnects}</td><td>counter</td><td>clients</td><td>clients disconnected
 *       because they read too slowly</td></tr>
 *   <tr><td>{@code herald.sse.replays}</td><td>counter, {@code outcome=hit|miss}</td><td>clients</td><td>clients
 *       that reconnected with a {@code Last-Event-ID} found in the history (hit), or not (miss)</td></tr>
 *   <tr><td>{@code herald.sse.heartbeats}</td><td>counter</td><td>heartbeats</td><td>heartbeat comments queued
 *       to idle clients</td></tr>
 *   <tr><td>{@code herald.sse.backplane.up}</td><td>gauge</td><td>1 or 0</td><td>1 while the backplane is
 *       reachable or there is none, 0 while it is down</td></tr>
 *   <tr><td>{@code herald.sse.backplane.outages}</td><td>counter</td><td>outages</td><td>times the backplane became
 *       unreachable</td></tr>
 *   <tr><td>{@code herald.sse.publish.failures}</td><td>counter</td><td>events</td><td>broadcasts that failed
 *       because the backplane was unreachable</td></tr>
 *   <tr><td>{@code herald.sse.backplane.gaps}</td><td>counter</td><td>gaps</td><td>gaps in the backplane's log
 *       that this node's clients were told of</td></tr>
 *   <tr><td>{@code herald.sse.delivery.delay}</td><td>timer</td><td>seconds</td><td>from a broadcast to the
 *       transport taking it to write, for a sample of each client's live events (the first and one in every 8);
 *       only with a {@link DeliveryDelayRecorder}</td></tr>
 * </table>
 *
 * <p>The delay timer publishes count, total and maximum; its histogram is off unless the registry's meter filters
 * turn it on (in Spring Boot:
 * {@code management.metrics.distribution.percentiles-histogram.herald.sse.delivery.delay=true}, or
 * {@code management.metrics.distribution.slo.herald.sse.delivery.delay=50ms,200ms} for SLO buckets), with buckets
 * from 100 µs to 30 s.
 *
 * <p><b>Threading.</b> Thread-safe. The gauges and counters cost the broadcaster nothing until the registry reads
 * them, and each read takes one {@link Broadcaster#stats()} snapshot (a short lock and a sum over the clients).
 * Like Micrometer's own binders, the meters hold the broadcaster weakly: the application owns it.
 */
public final class BroadcasterMetrics implements MeterBinder {
  private static final String CLIENTS = "clients";
  private static final String EVENTS = "events";
  private static final String FRAMES = "frames";

  private final Broadcaster broadcaster;
  private final @Nullable DeliveryDelayRecorder delays;

  /**
   * Makes a binder for a broadcaster's counters and gauges, without the delivery delay.
   *
   * @param broadcaster the broadcaster to measure
   */
  public BroadcasterMetrics(Broadcaster broadcaster) {
    this.broadcaster = requireNonNull(broadcaster, "broadcaster");
    this.delays = null;
  }

  /**
   * Makes a binder for a broadcaster's counters and gauges and its delivery delay.
   *
   * @param broadcaster the broadcaster to measure
   * @param delays the recorder given to the broadcaster's configuration
   *     ({@code BroadcasterConfig.Builder.deliveryObserver})
   */
  public BroadcasterMetrics(Broadcaster broadcaster, DeliveryDelayRecorder delays) {
    this.broadcaster = requireNonNull(broadcaster, "broadcaster");
    this.delays = requireNonNull(delays, "delays");
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    requireNonNull(registry, "registry");
    Tags tags = Tags.of(Tag.of("broadcaster", broadcaster.name()));
    Gauge.builder("herald.sse.clients", broadcaster, Broadcaster::clientCount)
        .description("Clients connected now").baseUnit(CLIENTS).tags(tags).register(registry);
    counter(registry, tags, "herald.sse.clients.connected", "Clients that ever subscribed", CLIENTS,
        BroadcasterStats::clientsConnected);
    counter(registry, tags, "herald.sse.events.broadcast",
        "Events broadcast; on a cluster node, events it delivered from the backplane", EVENTS,
        BroadcasterStats::eventsBroadcast);
    counter(registry, tags, "herald.sse.frames.queued",
        "Frames accepted into client queues: broadcasts, replays and heartbeats", FRAMES,
        BroadcasterStats::framesQueued);
    gauge(registry, tags, "herald.sse.pending.frames", "Frames in client queues, not yet taken by a transport",
        FRAMES, BroadcasterStats::framesPending);
    gauge(registry, tags, "herald.sse.pending.bytes", "Bytes in client queues, not yet taken by a transport",
        BaseUnits.BYTES, BroadcasterStats::bytesPending);
    counter(registry, tags, "herald.sse.frames.dropped", "Frames a client did not get because its queue was full",
        FRAMES, BroadcasterStats::framesDropped);
    counter(registry, tags, "herald.sse.slow.disconnects", "Clients disconnected because they read too slowly",
        CLIENTS, BroadcasterStats::slowClientsDisconnected);
    String replays = "Clients that reconnected with a Last-Event-ID found in the history (hit) or not (miss)";
    counter(registry, tags.and("outcome", "hit"), "herald.sse.replays", replays, CLIENTS,
        BroadcasterStats::replayHits);
    counter(registry, tags.and("outcome", "miss"), "herald.sse.replays", replays, CLIENTS,
        BroadcasterStats::replayMisses);
    counter(registry, tags, "herald.sse.heartbeats", "Heartbeat comments queued to idle clients", "heartbeats",
        BroadcasterStats::heartbeatsSent);
    gauge(registry, tags, "herald.sse.backplane.up",
        "1 while the backplane is reachable or there is none, 0 while it is down", null,
        stats -> stats.backplaneDown() ? 0 : 1);
    counter(registry, tags, "herald.sse.backplane.outages", "Times the backplane became unreachable", "outages",
        BroadcasterStats::backplaneOutages);
    counter(registry, tags, "herald.sse.publish.failures",
        "Broadcasts that failed because the backplane was unreachable", EVENTS, BroadcasterStats::publishFailures);
    counter(registry, tags, "herald.sse.backplane.gaps",
        "Gaps in the backplane's log that this node's clients were told of", "gaps", BroadcasterStats::backplaneGaps);
    if (delays != null) {
      delays.add(Timer.builder("herald.sse.delivery.delay")
          .description("From a broadcast to the transport taking it to write, for a sample of each client's live "
              + "events")
          .tags(tags)
          .minimumExpectedValue(Duration.ofNanos(100_000))
          .maximumExpectedValue(Duration.ofSeconds(30))
          .register(registry));
    }
  }

  private void counter(MeterRegistry registry, Tags tags, String name, String description, String unit,
      ToDoubleFunction<BroadcasterStats> value) {
    FunctionCounter.builder(name, broadcaster, b -> value.applyAsDouble(b.stats()))
        .description(description).baseUnit(unit).tags(tags).register(registry);
  }

  private void gauge(MeterRegistry registry, Tags tags, String name, String description, @Nullable String unit,
      ToDoubleFunction<BroadcasterStats> value) {
    Gauge.builder(name, broadcaster, b -> value.applyAsDouble(b.stats()))
        .description(description).baseUnit(unit).tags(tags).register(registry);
  }
}
