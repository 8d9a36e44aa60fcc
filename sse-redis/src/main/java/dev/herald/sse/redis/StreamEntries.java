package dev.herald.sse.redis;

import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import dev.herald.sse.Event;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How an event is written as the fields of a stream entry: {@code data}, and optionally {@code event} (the name)
 * and {@code retry} (milliseconds); or {@code comment}. Plain fields, so any Redis client can publish too:
 * {@code XADD herald:events * data hello}.
 */
final class StreamEntries {
  static final String DATA = "data";
  static final String EVENT = "event";
  static final String RETRY = "retry";
  static final String COMMENT = "comment";

  private StreamEntries() {}

  static Map<String, String> fields(Event event) {
    Map<String, String> fields = new LinkedHashMap<>(4);
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
}
