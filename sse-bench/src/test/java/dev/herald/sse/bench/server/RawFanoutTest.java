package dev.herald.sse.bench.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Data;
import dev.herald.sse.core.EventEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.junit.jupiter.api.Test;

/** The floor must put on the wire what Herald puts there, or the load tool's per-byte cost favours one of them. */
class RawFanoutTest {

  @Test
  void encodesAnEventAsHeraldsEncoderDoes() {
    ByteBuf floor = RawFanout.encode(1_764_553_200_000_001L, "x".repeat(64));
    try {
      byte[] herald = EventEncoder.encodeToBytes(Data.of("x".repeat(64)).withId("1764553200000001"));
      assertThat(ByteBufUtil.getBytes(floor)).isEqualTo(herald);
    } finally {
      floor.release();
    }
  }

  @Test
  void numbersItsEventsWithIdsAsLongAsHeraldsDefaultOnes() {
    // Herald's default, as BroadcasterConfig.Builder.firstId documents it: the creation time in ms times 1,000, plus 1
    long heraldFirst = System.currentTimeMillis() * 1_000 + 1;
    long floorFirst = new RawFanout().nextId();

    assertThat(Long.toString(floorFirst)).hasSameSizeAs(Long.toString(heraldFirst));
    assertThat(floorFirst).isBetween(heraldFirst - 60_000_000L, heraldFirst + 60_000_000L);
  }
}
