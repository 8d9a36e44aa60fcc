package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AcceptHeaderTest {

  private static boolean allows(String... values) {
    return AcceptHeader.allowsEventStream(List.of(values));
  }

  @Test
  void noHeaderAllowsAnything() {
    assertThat(allows()).isTrue();
    assertThat(allows("")).isTrue();
  }

  @Test
  void eventStreamAndWildcardsAllowIt() {
    assertThat(allows("text/event-stream")).isTrue();
    assertThat(allows("Text/Event-Stream; charset=utf-8")).isTrue();
    assertThat(allows("text/*")).isTrue();
    assertThat(allows("*/*")).isTrue();
    assertThat(allows("text/html, */*;q=0.1")).isTrue();
    assertThat(allows("application/json", "text/event-stream")).isTrue();
    assertThat(allows("application/json, text/*;q=0.1")).isTrue();
    assertThat(allows("text/html,application/xhtml+xml,*/*;q=0.8")).isTrue();
  }

  @Test
  void otherTypesExcludeIt() {
    assertThat(allows("application/json")).isFalse();
    assertThat(allows("text/html, application/xml")).isFalse();
  }

  @Test
  void zeroQualityExcludesIt() {
    assertThat(allows("text/event-stream;q=0")).isFalse();
    assertThat(allows("*/*;q=0.0")).isFalse();
  }

  @Test
  void theMostSpecificRangeDecides() {
    assertThat(allows("text/event-stream;q=0, */*")).isFalse();
    assertThat(allows("*/*;q=0, text/event-stream;q=0.5")).isTrue();
    assertThat(allows("text/*;q=0, */*")).isFalse();
    assertThat(allows("text/*;q=0, text/event-stream")).isTrue();
    assertThat(allows("text/event-stream;q=0", "*/*")).isFalse();
  }

  @Test
  void amongEquallySpecificRangesTheHighestWeightDecides() {
    assertThat(allows("text/event-stream;q=0, text/event-stream")).isTrue();
    assertThat(allows("text/event-stream", "text/event-stream;q=0")).isTrue();
  }

  @Test
  void whitespaceAroundTheWeightIsTolerated() {
    assertThat(allows("text/event-stream; q =0")).isFalse();
    assertThat(allows("text/event-stream;q= 0")).isFalse();
    assertThat(allows("text/event-stream ; Q=0")).isFalse();
  }

  @Test
  void malformedQualityIsIgnored() {
    assertThat(allows("text/event-stream;q=high")).isTrue();
  }

  @Test
  void gzipIsAllowedWhenListedWithAWeightOrCoveredByAStar() {
    assertThat(AcceptHeader.allowsGzip(List.of("gzip, deflate, br"))).isTrue();
    assertThat(AcceptHeader.allowsGzip(List.of("br;q=1.0", "GZIP;q=0.5"))).isTrue();
    assertThat(AcceptHeader.allowsGzip(List.of("x-gzip"))).isTrue();
    assertThat(AcceptHeader.allowsGzip(List.of("*"))).isTrue();
    assertThat(AcceptHeader.allowsGzip(List.of("br, *;q=0.1"))).isTrue();
  }

  @Test
  void gzipIsRefusedWhenAbsentExcludedOrOnlyIdentityIsAsked() {
    assertThat(AcceptHeader.allowsGzip(List.of())).as("no header: no preference, so no gzip").isFalse();
    assertThat(AcceptHeader.allowsGzip(List.of("identity"))).isFalse();
    assertThat(AcceptHeader.allowsGzip(List.of("gzip;q=0"))).isFalse();
    assertThat(AcceptHeader.allowsGzip(List.of("*", "gzip;q=0"))).as("named beats the star").isFalse();
    assertThat(AcceptHeader.allowsGzip(List.of("br, deflate"))).isFalse();
    assertThat(AcceptHeader.allowsGzip(List.of("*;q=0"))).isFalse();
  }
}
