package dev.herald.sse.redis;

import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import dev.herald.sse.Event;
import dev.herald.sse.core.spi.BackplaneEntry;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How an event is written as the fields of a stream entry: {@code data}, and optionally {@code event} (the name)
 * and {@code retry} (milliseconds); or {@code comment}. Its address, if it is not a broadcast: {@code topic}, the
 * topic names it was published to (several separated by a line feed, which no name has), or {@code identity}, the
 * identity it was sent to; and {@code paced} ({@code 1}) for a broadcast whose producer waits for every node's
 * clients. Plain fields, so any Redis client can publish too:
 * {@code XADD herald:events * data hello} broadcasts, {@code XADD herald:events * topic rooms/7 data hello}
 * publishes to one topic.
 */
final class StreamEntries {
  static final String DATA = "data";
  static final String EVENT = "event";
  static final String RETRY = "retry";
  static final String COMMENT = "comment";
  static final String TOPIC = "topic";
  static final String IDENTITY = "identity";
  static final String PACED = "paced";
  /** Between two topic names in the {@code topic} field: a control character, which no name has. */
  private static final String TOPIC_SEPARATOR = "\n";

  private StreamEntries() {}

  static Map<String, String> fields(Event event) {
    return fields(event, List.of(), null);
  }

  /** The fields of an event with its address: the topics first, so that a reader of the stream sees where it goes. */
  static Map<String, String> fields(Event event, List<String> topics, @Nullable String identity) {
    Map<String, String> fields = new LinkedHashMap<>(6);
    if (!topics.isEmpty()) {
      fields.put(TOPIC, String.join(TOPIC_SEPARATOR, topics));
    }
    if (identity != null) {
      fields.put(IDENTITY, identity);
    }
    if (event instanceof Data data) {
      fields.put(DATA, data.data());
      if (data.name() != null) {
        fields.put(EVENT, data.name());
      }
      Duration retry = data.retry();
      if (retry != null) {
        fields.put(RETRY, Long.toString(retry.toMillis()));
      }
    } else {
      fields.put(COMMENT, ((Comment) event).text());
    }
    return fields;
  }

  /** The fields of a paced broadcast: each node offers it paced, and says when it has. */
  static Map<String, String> pacedFields(Event event) {
    Map<String, String> fields = new LinkedHashMap<>(6);
    fields.put(PACED, "1");
    fields.putAll(fields(event));
    return fields;
  }

  /**
   * Reads an entry's fields back as an event.
   *
   * @return the event, or {@code null} if the fields are not one (the entry is then skipped)
   */
  static @Nullable Event event(Map<String, String> fields) {
    try {
      String data = fields.get(DATA);
      if (data != null) {
        String retry = fields.get(RETRY);
        return new Data(data, fields.get(EVENT), null,
            retry == null ? null : Duration.ofMillis(Long.parseLong(retry)));
      }
      String comment = fields.get(COMMENT);
      return comment == null ? null : Comment.of(comment);
    } catch (IllegalArgumentException e) { // a bad name or retry, from a foreign producer
      return null;
    }
  }

  /**
   * Reads an entry back with its address.
   *
   * @param id the entry's id in the stream
   * @param gapAfter the id of the last entry delivered before a gap that ends at this one, or {@code null}
   * @return the entry, or {@code null} if the fields are not an event, or its address is not well formed (a topic
   *     that is not a name, an empty identity, or both): such an entry, from a foreign producer, reaches no one
   */
  static @Nullable BackplaneEntry entry(String id, Map<String, String> fields, @Nullable String gapAfter) {
    Event event = event(fields);
    if (event == null) {
      return null;
    }
    String topic = fields.get(TOPIC);
    List<String> topics = topic == null ? List.of() : Arrays.asList(topic.split(TOPIC_SEPARATOR, -1));
    try {
      return new BackplaneEntry(id, event, gapAfter, topics, fields.get(IDENTITY), "1".equals(fields.get(PACED)));
    } catch (IllegalArgumentException e) { // InvalidTopicException too
      return null;
    }
  }
}
