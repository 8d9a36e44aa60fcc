package dev.herald.sse.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import dev.herald.sse.Event;
import dev.herald.sse.spi.Frame;
import dev.herald.sse.testkit.parser.EventStreamParser;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class EventEncoderTest {

  @Test
  void dataIsOneDataLine() {
    assertWire(Data.of("hello"), "data: hello\n\n");
  }

  @Test
  void emptyDataIsOneDataLine() {
    assertWire(Data.of(""), "data:\n\n");
  }

  @Test
  void dataWithLineFeedSplitsLines() {
    assertWire(Data.of("a\nb"), "data: a\ndata: b\n\n");
  }

  @Test
  void dataWithLoneCarriageReturnSplitsLines() {
    assertWire(Data.of("a\rb"), "data: a\ndata: b\n\n");
  }

  @Test
  void crlfIsOneLineBreak() {
    assertWire(Data.of("a\r\nb"), "data: a\ndata: b\n\n");
  }

  @Test
  void lineFeedThenCarriageReturnIsTwoLineBreaks() {
    assertWire(Data.of("a\n\rb"), "data: a\ndata:\ndata: b\n\n");
  }

  @Test
  void dataEndingWithLineBreakEndsWithEmptyDataLine() {
    assertWire(Data.of("a\n"), "data: a\ndata:\n\n");
    assertWire(Data.of("a\r"), "data: a\ndata:\n\n");
    assertWire(Data.of("a\r\n"), "data: a\ndata:\n\n");
  }

  @Test
  void dataOfOnlyLineBreaksIsEmptyDataLines() {
    assertWire(Data.of("\n"), "data:\ndata:\n\n");
    assertWire(Data.of("\r\n\r"), "data:\ndata:\ndata:\n\n");
  }

  @Test
  void leadingSpaceIsKept() {
    assertWire(Data.of(" a\n  b").withName(" n").withId(" 1"), "id:  1\nevent:  n\ndata:  a\ndata:   b\n\n");
  }

  @Test
  void colonsAndNulInValuesAreWrittenAsIs() {
    assertWire(Data.of("a: b\0").withName("x:y").withId("1:2"), "id: 1:2\nevent: x:y\ndata: a: b\0\n\n");
  }

  @Test
  void fieldsAreWrittenIdEventRetryThenData() {
    Data event = Data.of("x").withRetry(Duration.ofSeconds(5)).withName("score").withId("7");

    assertWire(event, "id: 7\nevent: score\nretry: 5000\ndata: x\n\n");
  }

  @Test
  void unsetFieldsAreNotWritten() {
    assertWire(Data.of("x").withId("7"), "id: 7\ndata: x\n\n");
    assertWire(Data.of("x").withName("n"), "event: n\ndata: x\n\n");
    assertWire(Data.of("x").withRetry(Duration.ofMillis(1)), "retry: 1\ndata: x\n\n");
  }

  @Test
  void emptyIdIsWrittenAndResetsLastEventId() {
    Data reset = Data.of("b").withId("");
    assertWire(reset, "id:\ndata: b\n\n");

    EventStreamParser parser = parse(Data.of("a").withId("1"), reset);

    assertThat(parser.events()).containsExactly(message("a", "1"), message("b", ""));
  }

  @Test
  void emptyNameIsWrittenAndReadAsMessage() {
    Data event = Data.of("a").withName("");
    assertWire(event, "event:\ndata: a\n\n");

    assertThat(parse(event).events()).containsExactly(message("a", ""));
  }

  @Test
  void retryIsWholeMilliseconds() {
    assertWire(Data.of("x").withRetry(Duration.ZERO), "retry: 0\ndata: x\n\n");
    assertWire(Data.of("x").withRetry(Duration.ofMillis(1500)), "retry: 1500\ndata: x\n\n");
    assertWire(Data.of("x").withRetry(Duration.ofMinutes(1)), "retry: 60000\ndata: x\n\n");
    assertWire(
        Data.of("x").withRetry(Duration.ofMillis(Long.MAX_VALUE)), "retry: 9223372036854775807\ndata: x\n\n");
  }

  @Test
  void commentIsColonLine() {
    assertWire(Comment.of("ping"), ": ping\n\n");
    assertWire(Comment.of(" ping"), ":  ping\n\n");
  }

  @Test
  void emptyCommentIsBareColon() {
    assertWire(Comment.of(""), ":\n\n");
  }

  @Test
  void commentLinesSplitLikeData() {
    assertWire(Comment.of("a\r\nb\rc\nd\n"), ": a\n: b\n: c\n: d\n:\n\n");
  }

  @Test
  void everyEventEndsWithOneBlankLine() {
    List<Event> events = List.of(
        Data.of("a"), Data.of(""), Data.of("a\n"), Data.of("a\r\n"), Data.of("\r"),
        Comment.of("c"), Comment.of(""), Comment.of("c\n"), Comment.of("\r\n"));
    for (Event event : events) {
      String wire = new String(EventEncoder.encodeToBytes(event), UTF_8);

      // The last line is blank and no other is; lines end with LF only.
      assertThat(wire).as(event.toString()).endsWith("\n\n").doesNotContain("\r");
      assertThat(wire.substring(0, wire.length() - 2).split("\n", -1)).as(event.toString()).doesNotContain("");
    }
  }

  @Test
  void nonAsciiIsUtf8() {
    assertWireBytes(Data.of("é€"), concat(bytes("data: "), hex("C3A9 E282AC"), bytes("\n\n")));
  }

  @Test
  void surrogatePairIsFourBytes() {
    assertWireBytes(Data.of("\uD83D\uDE00"), concat(bytes("data: "), hex("F09F9880"), bytes("\n\n")));
    assertWireBytes(Comment.of("\uD83D\uDE00"), concat(bytes(": "), hex("F09F9880"), bytes("\n\n")));
  }

  @Test
  void loneSurrogateBecomesReplacementCharacter() {
    byte[] fffd = hex("EFBFBD");
    assertWireBytes(Data.of("a\uD83Db"), concat(bytes("data: a"), fffd, bytes("b\n\n")));
    assertWireBytes(Data.of("\uDE00"), concat(bytes("data: "), fffd, bytes("\n\n")));
    assertWireBytes(Data.of("a\uD83D"), concat(bytes("data: a"), fffd, bytes("\n\n")));
    // A low surrogate before a high one is not a pair.
    assertWireBytes(Data.of("\uDE00\uD83D"), concat(bytes("data: "), fffd, fffd, bytes("\n\n")));
    assertWireBytes(
        Data.of("x").withId("\uD83D").withName("\uDE00"),
        concat(bytes("id: "), fffd, bytes("\nevent: "), fffd, bytes("\ndata: x\n\n")));
    assertWireBytes(Comment.of("\uD83D"), concat(bytes(": "), fffd, bytes("\n\n")));
  }

  @Test
  void lineBreakBetweenSurrogatesLeavesTwoLoneSurrogates() {
    byte[] fffd = hex("EFBFBD");
    assertWireBytes(
        Data.of("\uD83D\n\uDE00"), concat(bytes("data: "), fffd, bytes("\ndata: "), fffd, bytes("\n\n")));
  }

  @Test
  void encodeReturnsFrameOfTheSameBytes() throws IOException {
    Data event = Data.of("é\n€").withId("1");
    byte[] expected = EventEncoder.encodeToBytes(event);

    Frame frame = EventEncoder.encode(event);

    assertThat(frame.length()).isEqualTo(expected.length);
    ByteBuffer buffer = frame.buffer();
    assertThat(buffer.isReadOnly()).isTrue();
    byte[] fromBuffer = new byte[buffer.remaining()];
    buffer.get(fromBuffer);
    assertThat(fromBuffer).isEqualTo(expected);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    frame.writeTo(out);
    assertThat(out.toByteArray()).isEqualTo(expected);
  }

  @Test
  void nullEventIsRejected() {
    assertThatNullPointerException().isThrownBy(() -> EventEncoder.encodeToBytes(null)).withMessage("event");
    assertThatNullPointerException().isThrownBy(() -> EventEncoder.encode(null)).withMessage("event");
  }

  // ---- Round trip: whatever the encoder writes, a spec-following parser reads back as it was made. ----

  private static final long SEED = 0x4E7A1DL;
  private static final int STREAMS = 5_000;

  /** Pieces that stress the rules; strings are built by concatenating them, so some are empty. */
  private static final String[] ALPHABET = {
    "", "a", "b", "Z", "0", "7", " ", "  ", ":", ": ", "\r", "\n", "\r\n", "\n\r", "\0", "é", "€",
    "\uD83D\uDE00", "\uD83D", "\uDE00", "\uFEFF", "data", "id", "event: ", "retry", "\t"
  };

  @Test
  void randomStreamsReadBackAsEncoded() {
    SplittableRandom seeds = new SplittableRandom(SEED);
    for (int i = 0; i < STREAMS; i++) {
      long streamSeed = seeds.nextLong();
      String origin = "seed 0x" + Long.toHexString(SEED) + ", stream " + i + " (stream seed " + streamSeed + ")";
      roundTrip(new SplittableRandom(streamSeed), origin);
    }
  }

  private static void roundTrip(SplittableRandom random, String origin) {
    List<Event> stream = new ArrayList<>();
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    List<MessageEvent> expectedEvents = new ArrayList<>();
    List<String> expectedComments = new ArrayList<>();
    String lastEventId = "";
    @Nullable Long retry = null;

    int count = 1 + random.nextInt(6);
    for (int i = 0; i < count; i++) {
      Event event;
      if (random.nextInt(4) == 0) {
        Comment comment = Comment.of(randomText(random, true, true));
        event = comment;
        expectedComments.addAll(List.of(readBack(comment.text()).split("\n", -1)));
      } else {
        Data data = new Data(
            randomText(random, true, true),
            random.nextBoolean() ? randomText(random, false, true) : null,
            random.nextBoolean() ? randomText(random, false, false) : null,
            random.nextInt(3) == 0 ? Duration.ofMillis(randomMillis(random)) : null);
        event = data;
        if (data.id() != null) {
          lastEventId = readBack(data.id());
        }
        if (data.retry() != null) {
          retry = data.retry().toMillis();
        }
        String type = data.name() == null || data.name().isEmpty() ? "message" : readBack(data.name());
        expectedEvents.add(new MessageEvent(type, readBack(data.data()), lastEventId));
      }
      stream.add(event);
      wire.writeBytes(EventEncoder.encodeToBytes(event));
    }

    EventStreamParser parser = feedInRandomChunks(random, wire.toByteArray());

    String description =
        origin + "\nevents: " + escape(stream.toString()) + "\nwire: " + escape(wire.toString(UTF_8));
    assertThat(parser.events()).as(description).isEqualTo(expectedEvents);
    assertThat(parser.comments()).as(description).isEqualTo(expectedComments);
    assertThat(parser.lastEventId()).as(description).isEqualTo(lastEventId);
    if (retry == null) {
      assertThat(parser.retry()).as(description).isEmpty();
    } else {
      assertThat(parser.retry()).as(description).hasValue(retry);
    }
  }

  private static String randomText(SplittableRandom random, boolean lineBreaks, boolean nul) {
    StringBuilder text = new StringBuilder();
    int pieces = random.nextInt(5) == 0 ? 0 : random.nextInt(1, 10);
    while (pieces > 0) {
      String piece = ALPHABET[random.nextInt(ALPHABET.length)];
      boolean allowed = (lineBreaks || (piece.indexOf('\r') < 0 && piece.indexOf('\n') < 0))
          && (nul || piece.indexOf('\0') < 0);
      if (allowed) {
        text.append(piece);
        pieces--;
      }
    }
    return text.toString();
  }

  private static long randomMillis(SplittableRandom random) {
    return switch (random.nextInt(4)) {
      case 0 -> random.nextInt(2);
      case 1 -> random.nextLong(100_000);
      case 2 -> Long.MAX_VALUE;
      default -> random.nextLong(Long.MAX_VALUE);
    };
  }

  private static EventStreamParser feedInRandomChunks(SplittableRandom random, byte[] wire) {
    EventStreamParser parser = new EventStreamParser();
    int position = 0;
    while (position < wire.length) {
      int wanted = random.nextInt(4) == 0 ? random.nextInt(2) : random.nextInt(1, 40);
      int size = Math.min(wire.length - position, wanted);
      if (random.nextBoolean()) {
        byte[] chunk = new byte[size];
        System.arraycopy(wire, position, chunk, 0, size);
        parser.feed(chunk);
      } else {
        parser.feed(ByteBuffer.wrap(wire, position, size));
      }
      position += size;
    }
    return parser;
  }

  /**
   * What a client reads back from text the encoder wrote: each CRLF, CR or LF as LF, and each surrogate not in a
   * pair as U+FFFD. (Not {@code String.getBytes}, which writes a lone surrogate as {@code '?'}.)
   */
  private static String readBack(String text) {
    String lines = text.replace("\r\n", "\n").replace('\r', '\n');
    StringBuilder out = new StringBuilder(lines.length());
    lines.codePoints().forEach(cp -> out.appendCodePoint(isSurrogate(cp) ? 0xFFFD : cp));
    return out.toString();
  }

  private static boolean isSurrogate(int codePoint) {
    return codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE;
  }

  private static String escape(String s) {
    return s.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0");
  }

  // ---- helpers ----

  private static void assertWire(Event event, String expected) {
    byte[] actual = EventEncoder.encodeToBytes(event);
    assertThat(new String(actual, UTF_8)).isEqualTo(expected);
    assertThat(actual).isEqualTo(bytes(expected));
  }

  private static void assertWireBytes(Event event, byte[] expected) {
    assertThat(EventEncoder.encodeToBytes(event)).isEqualTo(expected);
  }

  private static EventStreamParser parse(Event... events) {
    EventStreamParser parser = new EventStreamParser();
    for (Event event : events) {
      parser.feed(EventEncoder.encodeToBytes(event));
    }
    return parser;
  }

  private static MessageEvent message(String data, String lastEventId) {
    return new MessageEvent("message", data, lastEventId);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static byte[] hex(String hex) {
    String digits = hex.replace(" ", "");
    byte[] out = new byte[digits.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
