package dev.herald.sse.bench.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.spi.Frame;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The floor must put on the wire what Herald puts there, or the load tool's per-byte cost favours one of them. */
class RawFanoutTest {
  private static final String DATA = "x".repeat(64);

  @Test
  void encodesAnEventAsHeraldDoes() {
    String heralds = firstEventOfAHeraldBroadcaster();
    long id = Long.parseLong(heralds.substring("id: ".length(), heralds.indexOf('\n')));

    assertThat(floors(id)).isEqualTo(heralds);
  }

  @Test
  void numbersItsEventsAsHeraldDoesByDefault() {
    long next = new RawFanout().nextId();
    String heralds = firstEventOfAHeraldBroadcaster();

    assertThat(floors(next)).hasSameSizeAs(heralds);
  }

  /**
   * The first event a broadcaster with Herald's default numbering broadcasts, as its clients get it (after the
   * {@code id:} line alone that gives a new client its position).
   */
  private static String firstEventOfAHeraldBroadcaster() {
    try (Broadcaster herald = Broadcasters.create(BroadcasterConfig.builder().assignIds(true).build())) {
      var client = herald.subscribe(null);
      herald.broadcast(Data.of(DATA));
      String event;
      do {
        Frame frame = client.poll();
        assertThat(frame).as("a frame with the broadcast's data").isNotNull();
        event = StandardCharsets.UTF_8.decode(frame.buffer()).toString();
      } while (!event.contains("data:"));
      return event;
    }
  }

  private static String floors(long id) {
    ByteBuf event = RawFanout.encode(id, DATA);
    try {
      return event.toString(StandardCharsets.UTF_8);
    } finally {
      event.release();
    }
  }
}
