package dev.herald.sse.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class Http2OptionsTest {

  @Test
  void defaultsSuitManyLongLivedStreamsPerConnection() {
    Http2Options defaults = Http2Options.defaults();

    assertThat(defaults.maxConcurrentStreams()).isEqualTo(1_000);
    assertThat(defaults.initialWindowSize()).isEqualTo(65_535);
    assertThat(defaults.pingInterval()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void badSettingsAreRefusedWithWhatWasWrong() {
    assertThatThrownBy(() -> Http2Options.builder().maxConcurrentStreams(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxConcurrentStreams must be at least 1: 0");
    assertThatThrownBy(() -> Http2Options.builder().initialWindowSize(1024))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("initialWindowSize must be at least 65535: 1024");
    assertThatThrownBy(() -> Http2Options.builder().pingInterval(Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pingInterval must be zero (off) or at least 1 s: PT0.01S");
    assertThat(Http2Options.builder().pingInterval(Duration.ZERO).build().pingInterval()).isZero();
  }
}
