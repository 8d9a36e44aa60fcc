package dev.herald.sse.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.spi.SseChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The defaults keep the promise: a client cut as slow can resume, and an id from an earlier run is never reused. */
class BroadcasterConfigTest {

  @Test
  void idsComeWithAHistoryAsLongAsAClientsQueue() {
    assertThat(BroadcasterConfig.builder().assignIds(true).build().history())
        .isEqualTo(ChannelConfig.defaults().maxQueuedEvents());
    assertThat(BroadcasterConfig.builder().assignIds(true)
        .channel(ChannelConfig.builder().maxQueuedEvents(64).build()).build().history()).isEqualTo(64);
    assertThat(BroadcasterConfig.defaults().history()).as("no ids, nothing to resume from").isZero();
    assertThat(BroadcasterConfig.builder().assignIds(true).history(0).build().history()).as("said so").isZero();
  }

  @Test
  void aHistoryShorterThanTheQueueIsRefusedWithWhatToChange() {
    assertThatThrownBy(() -> BroadcasterConfig.builder().assignIds(true).history(1000).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("history(1000) is shorter than a client's queue (4096 events): a client disconnected as slow is"
            + " 4096 events behind and could never resume from it. Use history(4096) or more, or"
            + " ChannelConfig.builder().maxQueuedEvents(1000) to cut slow clients sooner");
  }

  @Test
  void aShortHistoryIsAcceptedWhereNoClientIsCutOrTheQueueIsAsShort() {
    assertThat(BroadcasterConfig.builder().history(100)
        .channel(ChannelConfig.builder().maxQueuedEvents(100).build()).build().history()).isEqualTo(100);
    assertThat(BroadcasterConfig.builder().history(100)
        .channel(ChannelConfig.builder().overflowPolicy(OverflowPolicy.DROP_OLDEST).build()).build().history())
        .as("a client that is never cut drops instead; each drop is counted and reported").isEqualTo(100);
  }

  @Test
  void firstIdMustBePositive() {
    assertThatThrownBy(() -> BroadcasterConfig.builder().firstId(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("firstId must be at least 1: 0");
  }

  @Test
  void idsCountFromTheClockSoThatARestartNeverReusesOne() {
    long before = System.currentTimeMillis() * 1000;
    Broadcaster earlier = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO)
        .assignIds(true).build());
    SseChannel witness = earlier.subscribe(null);
    for (int i = 0; i < 3; i++) {
      earlier.broadcast(Data.of("earlier " + i));
    }
    earlier.close();
    String position = text(witness.poll());
    String lastOfEarlier = lastId(witness);

    assertThat(position).as("the position before any event").startsWith("id: ");
    long start = Long.parseLong(position.substring(4).strip());
    assertThat(start).isBetween(before, System.currentTimeMillis() * 1000);
    assertThat(Long.parseLong(lastOfEarlier)).isEqualTo(start + 3);

    // The next run, as soon as the clock moved on: it publishes more than the earlier run did before a client of
    // that run comes back; the client's id is not one of this run's, so it is a miss, announced.
    long restart = System.currentTimeMillis();
    while (System.currentTimeMillis() == restart) {
      Thread.onSpinWait();
    }
    Broadcaster later = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO)
        .assignIds(true).build());
    for (int i = 0; i < 10; i++) {
      later.broadcast(Data.of("later " + i));
    }
    SseChannel back = later.subscribe(lastOfEarlier);

    assertThat(text(back.poll())).isEqualTo("id:\nevent: reset\ndata:\n\n");
    assertThat(later.stats().replayMisses()).isOne();
    back.close(CloseReason.CLIENT_GONE);
    later.close();
  }

  @Test
  void aBroadcasterIsNamedDefaultUnlessGivenAName() {
    assertThat(BroadcasterConfig.defaults().name()).isEqualTo("default");
    try (Broadcaster unnamed = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO).build());
        Broadcaster named = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO)
            .name("chat-room.eu").build())) {
      assertThat(unnamed.name()).isEqualTo("default");
      assertThat(named.name()).isEqualTo("chat-room.eu");
    }
  }

  @Test
  void aNameIsShortWithoutControlCharactersOrSurroundingSpace() {
    assertThat(BroadcasterConfig.builder().name("x".repeat(64)).build().name()).hasSize(64);
    assertThatThrownBy(() -> BroadcasterConfig.builder().name(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 64 characters");
    assertThatThrownBy(() -> BroadcasterConfig.builder().name("x".repeat(65)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("name must be 1 to 64 characters; it has 65");
    assertThatThrownBy(() -> BroadcasterConfig.builder().name("chat\nroom"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("name must not contain control characters");
    assertThatThrownBy(() -> BroadcasterConfig.builder().name(" chat"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("white space");
    assertThatThrownBy(() -> BroadcasterConfig.builder().name(null))
        .isInstanceOf(NullPointerException.class).hasMessage("name");
  }

  private static String lastId(SseChannel channel) {
    String last = "";
    Frame frame;
    while ((frame = channel.poll()) != null) {
      for (String line : text(frame).split("\n")) {
        if (line.startsWith("id: ")) {
          last = line.substring(4);
        }
      }
    }
    return last;
  }

  private static String text(Frame frame) {
    return frame.toString(); // a frame's text, as it goes on the wire
  }
}
