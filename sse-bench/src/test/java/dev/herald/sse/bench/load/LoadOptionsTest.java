package dev.herald.sse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LoadOptionsTest {

  @Test
  void presetFillsTheScenarioAndExplicitOptionsOverrideIt() {
    LoadOptions options = LoadOptions.parse("--url", "http://127.0.0.1:8000", "--preset", "fanout-10k",
        "--events", "500");

    assertThat(options.scenario()).isEqualTo("fanout-10k");
    assertThat(options.clients()).isEqualTo(10_000);
    assertThat(options.events()).isEqualTo(500);
    assertThat(options.size()).isEqualTo(64);
    assertThat(options.rate()).isZero();
    assertThat(options.sourceAddresses()).isEqualTo(2);
    assertThat(options.port()).isEqualTo(8000);
  }

  @Test
  void slowConsumerAddsStalledClientsToLatency1k() {
    LoadOptions options = LoadOptions.parse("--url", "http://localhost:9", "--preset", "slow-consumer");

    assertThat(options.clients()).isEqualTo(1_000);
    assertThat(options.stalled()).isEqualTo(50);
    assertThat(options.rate()).isEqualTo(1_000);
  }

  @Test
  void takesSeveralServersRepeatedOrCommaSeparated() {
    LoadOptions options = LoadOptions.parse("--url", "http://127.0.0.1:8000,http://127.0.0.1:8001",
        "--url", "http://127.0.0.1:8002");

    assertThat(options.urls()).extracting(url -> LoadOptions.port(url)).containsExactly(8000, 8001, 8002);
    assertThat(options.port()).isEqualTo(8000);
    assertThatThrownBy(() -> LoadOptions.parse("--url", "http://127.0.0.1:1,http://10.0.0.1:2"))
        .hasMessageContaining("loopback");
  }

  @Test
  void http1AndIdentityUnlessAsked() {
    LoadOptions plain = LoadOptions.parse("--url", "http://127.0.0.1:8000");
    LoadOptions h2c = LoadOptions.parse("--url", "http://127.0.0.1:8000", "--h2c", "100", "--gzip", "on");

    assertThat(plain.h2cStreams()).isZero();
    assertThat(plain.gzip()).isFalse();
    assertThat(h2c.h2cStreams()).isEqualTo(100);
    assertThat(h2c.gzip()).isTrue();
    assertThatThrownBy(() -> LoadOptions.parse("--url", "http://127.0.0.1:1", "--h2c", "0"))
        .hasMessageContaining("--h2c");
  }

  @Test
  void refusesAnyTargetOffThisMachine() {
    assertThatThrownBy(() -> LoadOptions.parse("--url", "http://10.0.0.1:8000"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loopback");
  }

  @Test
  void refusesUnknownPresetsAndBadNumbers() {
    assertThatThrownBy(() -> LoadOptions.parse("--url", "http://127.0.0.1:1", "--preset", "nope"))
        .hasMessageContaining("fanout-1k");
    assertThatThrownBy(() -> LoadOptions.parse("--url", "http://127.0.0.1:1", "--clients", "0"))
        .hasMessageContaining("--clients");
    assertThatThrownBy(() -> LoadOptions.parse("--clients", "10")).hasMessageContaining("--url");
  }
}
