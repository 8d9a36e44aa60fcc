package dev.herald.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicsTest {

  @ParameterizedTest
  @ValueSource(strings = {"rooms", "rooms/7", "orders/1234/status", "a b/ü/日本", "x.y-z_1"})
  void namesAreSegmentsSeparatedBySlashes(String name) {
    assertThat(Topics.checkName(name)).isEqualTo(name);
    assertThat(Topics.checkPattern(name)).isEqualTo(name);
    assertThat(Topics.isWildcard(name)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/rooms", "rooms/", "rooms//7", "/", "rooms/\n7", "rooms\u0000", "a\u007f"})
  void malformedNamesAndPatternsAreRefusedWithTheReason(String bad) {
    assertThatThrownBy(() -> Topics.checkName(bad)).isInstanceOf(InvalidTopicException.class)
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> Topics.checkPattern(bad)).isInstanceOf(InvalidTopicException.class)
        .hasMessageNotContaining("\n");
  }

  @Test
  void emptySegmentReasonSaysWhichSlashIsWrong() {
    assertThatThrownBy(() -> Topics.checkName("rooms//7"))
        .hasMessage("a topic name must not have an empty segment (a leading, trailing or doubled '/'): \"rooms//7\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"*", "**", "rooms/*", "rooms/**", "*/typing", "rooms/*/typing/**"})
  void wildcardsAreWholeSegmentsAndArePatternsOnly(String pattern) {
    assertThat(Topics.checkPattern(pattern)).isEqualTo(pattern);
    assertThat(Topics.isWildcard(pattern)).isTrue();
    assertThatThrownBy(() -> Topics.checkName(pattern)).isInstanceOf(InvalidTopicException.class)
        .hasMessageContaining("no wildcard");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rooms/7*", "room*/7", "***", "rooms/**/typing", "**/rooms", "a*b"})
  void aStarInsideASegmentOrADoubleStarBeforeTheEndIsRefused(String bad) {
    assertThatThrownBy(() -> Topics.checkPattern(bad)).isInstanceOf(InvalidTopicException.class)
        .hasMessageContaining("'*");
  }

  @ParameterizedTest
  @CsvSource({
      "rooms/7, rooms/7, true",
      "rooms/7, rooms/70, false",
      "rooms/70, rooms/7, false",
      "rooms/7, rooms, false",
      "rooms, rooms/7, false",
      "rooms/*, rooms/7, true",
      "rooms/*, rooms, false",
      "rooms/*, rooms/7/typing, false",
      "*/typing, rooms/typing, true",
      "*/typing, rooms/7/typing, false",
      "rooms/*/typing, rooms/7/typing, true",
      "rooms/**, rooms/7, true",
      "rooms/**, rooms/7/typing, true",
      "rooms/**, rooms, false",
      "rooms/**, roomsx/7, false",
      "**, anything/at/all, true",
      "*, one, true",
      "*, one/two, false",
      "rooms/*/**, rooms/7, false",
      "rooms/*/**, rooms/7/a/b, true",
  })
  void patternsMatchNamesSegmentBySegment(String pattern, String name, boolean matches) {
    assertThat(Topics.matches(pattern, name)).isEqualTo(matches);
  }

  @Test
  void aGrantCoversTheRequestsItsPatternWouldAlwaysMatch() {
    assertCovers("rooms/**", List.of("rooms/7", "rooms/*", "rooms/*/typing", "rooms/**"), List.of("rooms", "**"));
    assertCovers("rooms/*", List.of("rooms/7", "rooms/*"), List.of("rooms/**", "rooms/7/typing", "rooms"));
    assertCovers("rooms/7", List.of("rooms/7"), List.of("rooms/*", "rooms/70"));
    assertCovers("**", List.of("users/bob", "*", "**"), List.of());
    assertCovers("*/typing", List.of("rooms/typing", "*/typing"), List.of("**", "*/*"));
  }

  private static void assertCovers(String grant, List<String> covered, List<String> notCovered) {
    assertThat(covered).as("covered by " + grant).allMatch(requested -> Topics.covers(grant, requested));
    assertThat(notCovered).as("not covered by " + grant).noneMatch(requested -> Topics.covers(grant, requested));
  }
}
