package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.CloseReason;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.Channels;
import dev.herald.sse.core.testing.FakeTransport;
import dev.herald.sse.core.testing.FakeTransport.Await;
import dev.herald.sse.spi.SseChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StandaloneHeartbeatTest {

  @Test
  void idleStandaloneStreamGetsPingsUntilItCloses() {
    Duration interval = Duration.ofMillis(21);
    SseChannel channel = Channels.open(ChannelConfig.defaults(), interval, null);
    try (FakeTransport client = FakeTransport.serve(channel)) {
      Await.until(() -> client.comments().size() >= 2, () -> "no heartbeat: " + client.wire());
      assertThat(client.wire()).startsWith(": ping\n\n");
      assertThat(StandaloneHeartbeat.running(interval)).isTrue();

      channel.close(CloseReason.CLIENT_GONE);

      assertThat(StandaloneHeartbeat.running(interval)).as("the last channel of an interval stops its task").isFalse();
    }
  }

  @Test
  void streamWithoutHeartbeatRegistersNothing() {
    SseChannel channel = Channels.open(ChannelConfig.defaults(), Duration.ZERO, null);

    assertThat(StandaloneHeartbeat.running(Duration.ZERO)).isFalse();
    channel.close(CloseReason.SERVER_CLOSED);
  }

  @Test
  void heartbeatBelowOneMillisecondIsRefused() {
    assertThatThrownBy(() -> Channels.open(ChannelConfig.defaults(), Duration.ofNanos(10), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeat");
  }
}
