package dev.herald.sse.webflux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.netty.http.server.HttpServer;

/** Which Reactor Netty versions are told to have the keep-alive race of reactor/reactor-netty#4188. */
class ReactorNettyVersionTest {
  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
      // Spring Boot 3.5.7's, the one that held StarterIT's graceful shutdown for 30 s.
      "1.2.11, true",
      "1.2.17, true",
      "1.2.18, false",
      "1.2.19, false",
      "1.3.0, true",
      "1.3.5, true",
      "1.3.6, false",
      "1.3.10, false",
      "1.4.0-M1, false",
      "1.1.30, true",
      "0.9.25.RELEASE, true",
      "2.0.0, false",
      "1.2.11.RELEASE, true",
  })
  void aVersionIsAffectedBefore_1_2_18_andFrom_1_3_0_to_1_3_5(String version, boolean affected) {
    assertThat(ReactorNettyVersion.hasKeepAliveRace(version)).isEqualTo(affected);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"unknown", "1.2", "v1.2.11"})
  void anUnknownVersionIsNotTakenForAnAffectedOne(String version) {
    assertThat(ReactorNettyVersion.hasKeepAliveRace(version)).isFalse();
  }

  @Test
  void theVersionOnThisClassPathIsReadFromItsManifestAndIsNotAffected() {
    String version = HttpServer.class.getPackage().getImplementationVersion();
    assertThat(version).as("Reactor Netty's Implementation-Version").matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(ReactorNettyVersion.hasKeepAliveRace(version)).as(version).isFalse();
  }
}
