package dev.herald.sse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamIdsTest {

  @Test
  void idsCompareByTimeThenSequenceAsUnsignedNumbers() {
    assertThat(StreamIds.compare("1-0", "1-0")).isZero();
    assertThat(StreamIds.compare("9-0", "10-0")).isNegative();
    assertThat(StreamIds.compare("10-2", "10-10")).isNegative();
    assertThat(StreamIds.compare("11-0", "10-99")).isPositive();
    assertThat(StreamIds.compare("18446744073709551615-0", "1-0")).isPositive();
  }

  @Test
  void theIdGeneratedBeforeOneIsKnownOnlyWithinItsMillisecond() {
    assertThat(StreamIds.predecessor("1700-5")).isEqualTo("1700-4");
    assertThat(StreamIds.predecessor("1700-1")).isEqualTo("1700-0");
    assertThat(StreamIds.predecessor("18446744073709551615-18446744073709551615"))
        .isEqualTo("18446744073709551615-18446744073709551614");
    assertThat(StreamIds.predecessor("1700-0")).isNull();
    assertThatThrownBy(() -> StreamIds.predecessor("1700")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anythingButTwoNumbersJoinedByADashIsNotAnId() {
    for (String bad : new String[] {"", "5", "-1", "1-", "a-1", "1-1-1", "1 -1", "18446744073709551616-0",
        "2-18446744073709551616"}) {
      assertThat(StreamIds.isId(bad)).as(bad).isFalse();
      assertThatThrownBy(() -> StreamIds.compare(bad, "1-0")).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void eventsRoundTripThroughPlainEntryFields() {
    Data full = Data.of("line one\nline two").withName("chat").withRetry(Duration.ofSeconds(3));
    assertThat(StreamEntries.fields(full)).containsExactly(
        Map.entry("data", "line one\nline two"), Map.entry("event", "chat"), Map.entry("retry", "3000"));
    assertThat(StreamEntries.event(StreamEntries.fields(full))).isEqualTo(full);
    assertThat(StreamEntries.event(StreamEntries.fields(Comment.of("hi")))).isEqualTo(Comment.of("hi"));
    assertThat(StreamEntries.event(Map.of("data", "from redis-cli"))).isEqualTo(Data.of("from redis-cli"));
  }

  @Test
  void fieldsThatAreNotAnEventAreSkipped() {
    assertThat(StreamEntries.event(Map.of("something", "else"))).isNull();
    assertThat(StreamEntries.event(Map.of("data", "x", "event", "bad\nname"))).isNull();
    assertThat(StreamEntries.event(Map.of("data", "x", "retry", "soon"))).isNull();
  }
}
