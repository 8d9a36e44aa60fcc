package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LossReportTest {
  private final Counters counters = new Counters();
  private final LossReport report = new LossReport(counters);

  @Test
  void nothingLostSaysNothing() {
    counters.eventsBroadcast.add(1000);
    counters.replayHits.add(3);

    assertThat(report.next()).isNull();
  }

  @Test
  void eachLossIsCountedOnceInOneLine() {
    counters.slowClientsDisconnected.add(12);
    counters.replayMisses.add(3);

    assertThat(report.next()).isEqualTo("clients lost events in the last 60 s or less: slow clients disconnected"
        + " (their queue was full): 12; replay misses (a Last-Event-ID the history no longer holds; sent the"
        + " replay-miss signal): 3");
    assertThat(report.next()).isNull();

    counters.framesDropped.add(5);
    counters.backplaneGaps.increment();
    counters.publishFailures.add(7);
    assertThat(report.next()).isEqualTo("clients lost events in the last 60 s or less: frames dropped by the"
        + " overflow policy: 5; gaps in the backplane's log: 1; broadcasts the backplane did not acknowledge: 7");
  }

  @Test
  void aClientCutAsSlowByABroadcasterIsReported() {
    DefaultBroadcaster broadcaster = new DefaultBroadcaster(dev.herald.sse.core.BroadcasterConfig.builder()
        .heartbeat(java.time.Duration.ZERO)
        .channel(dev.herald.sse.core.ChannelConfig.builder().maxQueuedEvents(1).build())
        .build());
    broadcaster.subscribe(null);
    broadcaster.broadcast(dev.herald.sse.Data.of("one"));
    broadcaster.broadcast(dev.herald.sse.Data.of("two")); // the client's queue is full: it is cut

    assertThat(broadcaster.stats().slowClientsDisconnected()).isEqualTo(1);
    LossReport after = new LossReport(broadcaster.counters);
    assertThat(after.next()).contains("slow clients disconnected (their queue was full): 1");
    broadcaster.close();
  }
}
