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

class HeartbeatTest {

  @Test
  void idleStandaloneStreamGetsPingsUntilItCloses() {
    Duration interval = Duration.ofMillis(21);
    SseChannel channel = Channels.open(ChannelConfig.defaults(), interval, null);
    try (FakeTransport client = FakeTransport.serve(channel)) {
      Await.until(() -> client.comments().size() >= 2, () -> "no heartbeat: " + client.wire());
      assertThat(client.wire()).startsWith(": ping\n\n");
      assertThat(Heartbeat.running(interval)).isTrue();

      channel.close(CloseReason.CLIENT_GONE);

      assertThat(Heartbeat.running(interval)).as("the last channel of an interval stops its task").isFalse();
    }
  }

  @Test
  void standaloneStreamGetsTheHeartbeatCommentItWasOpenedWith() {
    SseChannel channel = Channels.open(ChannelConfig.defaults(), Duration.ofMillis(22), "keep-alive", null);
    try (FakeTransport client = FakeTransport.serve(channel)) {
      Await.until(() -> !client.comments().isEmpty(), () -> "no heartbeat: " + client.wire());
      assertThat(client.wire()).startsWith(": keep-alive\n\n");
      channel.close(CloseReason.CLIENT_GONE);
    }
    assertThatThrownBy(() -> Channels.open(ChannelConfig.defaults(), Duration.ofSeconds(1), null, null))
        .isInstanceOf(NullPointerException.class).hasMessage("text");
  }

  @Test
  void streamWithoutHeartbeatRegistersNothing() {
    SseChannel channel = Channels.open(ChannelConfig.defaults(), Duration.ZERO, null);

    assertThat(Heartbeat.running(Duration.ZERO)).isFalse();
    channel.close(CloseReason.SERVER_CLOSED);
  }

  @Test
  void heartbeatBelowOneMillisecondIsRefused() {
    assertThatThrownBy(() -> Channels.open(ChannelConfig.defaults(), Duration.ofNanos(10), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeat");
  }
}
