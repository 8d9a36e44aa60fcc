package dev.herald.sse.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The pacing watermark fits inside the queue it paces: set, defaulted and lowered with it. */
class ChannelConfigTest {

  @Test
  void theDefaultWatermarkFollowsASmallerQueue() {
    assertThat(ChannelConfig.defaults().pacingWatermark())
        .isBetween(1, ChannelConfig.defaults().maxQueuedEvents());
    assertThat(ChannelConfig.builder().maxQueuedEvents(16).build().pacingWatermark()).isEqualTo(16);
  }

  @Test
  void aWatermarkSetIsKept() {
    ChannelConfig config = ChannelConfig.builder().maxQueuedEvents(100).pacingWatermark(10).build();

    assertThat(config.pacingWatermark()).isEqualTo(10);
    assertThat(config.toString()).contains("pacingWatermark=10");
  }

  @Test
  void aWatermarkOutsideTheQueueIsRefusedWithBothNumbers() {
    assertThatThrownBy(() -> ChannelConfig.builder().pacingWatermark(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("pacingWatermark must be at least 1: 0");
    assertThatThrownBy(() -> ChannelConfig.builder().maxQueuedEvents(8).pacingWatermark(9).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pacingWatermark (9) must not exceed maxQueuedEvents (8)");
  }
}
