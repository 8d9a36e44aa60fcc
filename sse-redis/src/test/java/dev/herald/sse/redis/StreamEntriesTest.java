package dev.herald.sse.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Data;
import dev.herald.sse.core.spi.BackplaneEntry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How an event and its address are written as a stream entry's fields, and read back. */
class StreamEntriesTest {

  @Test
  void aPublishWritesItsTopicsFirstSeparatedByALineFeed() {
    Map<String, String> fields = StreamEntries.fields(Data.of("hi").withName("chat"), List.of("rooms/1", "rooms/2"),
        null);

    assertThat(fields).containsExactly(Map.entry("topic", "rooms/1\nrooms/2"), Map.entry("data", "hi"),
        Map.entry("event", "chat"));
    BackplaneEntry entry = StreamEntries.entry("1-0", fields, null);
    assertThat(entry).isNotNull();
    assertThat(entry.topics()).containsExactly("rooms/1", "rooms/2");
    assertThat(entry.identity()).isNull();
    assertThat(entry.event()).isEqualTo(Data.of("hi").withName("chat"));
  }

  @Test
  void aSendWritesItsIdentityAndABroadcastNeither() {
    Map<String, String> send = StreamEntries.fields(Data.of("hi"), List.of(), "bob\nsmith");
    assertThat(send).containsExactly(Map.entry("identity", "bob\nsmith"), Map.entry("data", "hi"));
    BackplaneEntry entry = StreamEntries.entry("1-0", send, "0-1");
    assertThat(entry).isNotNull();
    assertThat(entry.identity()).isEqualTo("bob\nsmith");
    assertThat(entry.topics()).isEmpty();
    assertThat(entry.gapAfter()).isEqualTo("0-1");

    assertThat(StreamEntries.fields(Data.of("hi"))).containsExactly(Map.entry("data", "hi"));
    BackplaneEntry broadcast = StreamEntries.entry("1-0", Map.of("data", "hi"), null);
    assertThat(broadcast).isNotNull();
    assertThat(broadcast.isBroadcast()).isTrue();
  }

  @Test
  void anEntryFromAnotherProducerWithABadAddressReachesNoOne() {
    assertThat(StreamEntries.entry("1-0", Map.of("topic", "rooms/*", "data", "x"), null)).as("a pattern").isNull();
    assertThat(StreamEntries.entry("1-0", Map.of("topic", "", "data", "x"), null)).as("empty").isNull();
    assertThat(StreamEntries.entry("1-0", Map.of("identity", "", "data", "x"), null)).isNull();
    Map<String, String> both = new LinkedHashMap<>();
    both.put("topic", "a");
    both.put("identity", "bob");
    both.put("data", "x");
    assertThat(StreamEntries.entry("1-0", both, null)).as("topics and an identity").isNull();
    assertThat(StreamEntries.entry("1-0", Map.of("topic", "a"), null)).as("no event").isNull();
  }
}
