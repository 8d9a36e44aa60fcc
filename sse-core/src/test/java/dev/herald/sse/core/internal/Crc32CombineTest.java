package dev.herald.sse.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** CRC-32s combined from the pieces' CRC-32s and lengths equal {@link CRC32} run over the whole. */
class Crc32CombineTest {

  private static int crcOf(byte[] bytes, int from, int to) {
    CRC32 crc = new CRC32();
    crc.update(bytes, from, to - from);
    return (int) crc.getValue();
  }

  @Test
  void theCrcCombinedPieceByPieceEqualsTheCrcOfTheWholeForManyRandomSplits() {
    SplittableRandom random = new SplittableRandom(18);
    byte[] all = new byte[300_000];
    for (int trial = 0; trial < 300; trial++) {
      random.nextBytes(all);
      int size = trial % 10 == 0 ? all.length : random.nextInt(4_000);
      int combined = 0; // the CRC-32 of nothing
      int from = 0;
      int pieces = 0;
      while (from < size) {
        int length = switch (random.nextInt(8)) {
          case 0 -> 0; // an empty piece changes nothing
          case 1 -> random.nextInt(1, 4); // a few bytes
          case 2 -> size - from; // the rest at once, large in the large trials
          default -> random.nextInt(1, 1_000); // an event's size
        };
        int to = Math.min(size, from + length);
        combined = Crc32Combine.combine(combined, crcOf(all, from, to), Crc32Combine.operator(to - from));
        from = to;
        pieces++;
      }

      assertThat(combined).as("trial %d: %d bytes in %d pieces", trial, size, pieces).isEqualTo(crcOf(all, 0, size));
    }
  }

  @Test
  void anEmptyPieceLeavesTheCrcAsItIsAndAPieceAfterNothingKeepsItsOwn() {
    byte[] event = "data: {\"status\":\"paid\"}\n\n".getBytes(StandardCharsets.UTF_8);
    int crc = crcOf(event, 0, event.length);

    assertThat(Crc32Combine.combine(crc, 0, Crc32Combine.operator(0))).isEqualTo(crc);
    assertThat(Crc32Combine.combine(0, crc, Crc32Combine.operator(event.length))).isEqualTo(crc);
  }

  @Test
  void aPieceOfHalfAGibibyteAndMoreCombinesToo() {
    // From 2^29 bytes on the operator takes powers x^(2^k) with k >= 32, which repeat those from k = 0 (as in zlib).
    long length = (1L << 29) + 3;
    byte[] head = "id: 1\n".getBytes(StandardCharsets.UTF_8);
    byte[] zeros = new byte[1 << 20];
    CRC32 whole = new CRC32();
    whole.update(head);
    CRC32 tail = new CRC32();
    for (long left = length; left > 0; left -= zeros.length) {
      int n = (int) Math.min(left, zeros.length);
      whole.update(zeros, 0, n);
      tail.update(zeros, 0, n);
    }

    int combined = Crc32Combine.combine(crcOf(head, 0, head.length), (int) tail.getValue(),
        Crc32Combine.operator(length));

    assertThat(combined).isEqualTo((int) whole.getValue());
  }

  @Test
  void theBytewiseProductEqualsZlibsBitwiseOne() {
    SplittableRandom random = new SplittableRandom(17);
    for (int i = 0; i < 100_000; i++) {
      int a = random.nextInt();
      int b = i % 100 == 0 ? 1 << random.nextInt(32) : random.nextInt(); // single powers of x too
      assertThat(Crc32Combine.multiply(a, b)).as("%08x times %08x", a, b)
          .isEqualTo(Crc32Combine.multiplyBitwise(a, b));
    }
  }

  @Test
  void aNegativeLengthIsRefused() {
    assertThatThrownBy(() -> Crc32Combine.operator(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aFrameDeflatedOnceCarriesItsCrcForEveryStreamThatSendsIt() {
    byte[] first = "data: a\n\n".getBytes(StandardCharsets.UTF_8);
    byte[] second = new byte[70_000];
    Arrays.fill(second, (byte) 'x');
    DeflatedFrame one = new DeflatedFrame(first);
    DeflatedFrame two = new DeflatedFrame(second);
    byte[] both = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);

    assertThat(two.crcAfter(one.crcAfter(0))).isEqualTo(crcOf(both, 0, both.length));
    assertThat(two.plainLength()).isEqualTo(second.length);
  }
}
