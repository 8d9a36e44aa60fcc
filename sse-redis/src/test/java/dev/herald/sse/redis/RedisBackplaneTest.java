package dev.herald.sse.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When a node asks Redis whether it lost entries: {@link RedisBackplane#mayHaveLost}. */
class RedisBackplaneTest {
  private static final long SUSPECT_AT = 1024;

  @Test
  void aFirstIdWithSequenceAboveZeroNamesTheIdBeforeIt() {
    assertThat(RedisBackplane.mayHaveLost("1700-4", "1700-5", 1, SUSPECT_AT, false)).as("follows at once").isFalse();
    assertThat(RedisBackplane.mayHaveLost("1700-4", "1700-9", 1, SUSPECT_AT, false)).as("1700-5..8 gone").isTrue();
    assertThat(RedisBackplane.mayHaveLost("1699-4", "1700-1", 1, SUSPECT_AT, false)).as("1700-0 gone").isTrue();
    assertThat(RedisBackplane.mayHaveLost("1700-4", "1700-5", 1, SUSPECT_AT, true))
        .as("the ids tell, even after a reconnect").isFalse();
  }

  @Test
  void aFirstIdWithSequenceZeroIsCheckedOnlyWhenTheBatchIsAsLargeAsAGapWouldMakeIt() {
    assertThat(RedisBackplane.mayHaveLost("1699-4", "1700-0", 1, SUSPECT_AT, false)).isFalse();
    assertThat(RedisBackplane.mayHaveLost("1699-4", "1700-0", 1023, SUSPECT_AT, false)).isFalse();
    assertThat(RedisBackplane.mayHaveLost("1699-4", "1700-0", 1024, SUSPECT_AT, false)).isTrue();
    assertThat(RedisBackplane.mayHaveLost("1699-4", "1700-0", 100, 100, false)).as("a short stream").isTrue();
  }

  @Test
  void theFirstBatchAfterAReconnectIsAlwaysChecked() {
    assertThat(RedisBackplane.mayHaveLost("1699-4", "1700-0", 1, SUSPECT_AT, true)).isTrue();
  }

  @Test
  void aNodeThatStartedOnAnEmptyStreamHasNothingToCheckAgainst() {
    assertThat(RedisBackplane.mayHaveLost("0-0", "1700-3", 1024, SUSPECT_AT, true)).isFalse();
  }
}
