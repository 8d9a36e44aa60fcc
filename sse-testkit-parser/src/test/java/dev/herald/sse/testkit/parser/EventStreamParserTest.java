package dev.herald.sse.testkit.parser;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class EventStreamParserTest {

  @Test
  void crlfLfAndCrEachEndALine() {
    EventStreamParser parser = parse("data: a\r\ndata: b\ndata: c\rdata: d\r\n\r\n");

    assertThat(parser.events()).containsExactly(message("a\nb\nc\nd", ""));
  }

  @Test
  void lineFeedThenCarriageReturnIsTwoLineBreaks() {
    EventStreamParser parser = parse("data: a\n\rdata: b\n\n");

    assertThat(parser.events()).containsExactly(message("a", ""), message("b", ""));
  }

  @Test
  void crlfSplitAcrossChunksIsOneLineBreak() {
    EventStreamParser parser = new EventStreamParser()
        .feed(bytes("data: a\r"))
        .feed(bytes("\ndata: b\r"))
        .feed(bytes("\n\r"))
        .feed(bytes("\n"));

    assertThat(parser.events()).containsExactly(message("a\nb", ""));
  }

  @Test
  void utf8SplitAnywhereDecodes() {
    byte[] stream = bytes("data: é€\uD83D\uDE00\n\n");
    EventStreamParser parser = new EventStreamParser();
    for (byte b : stream) {
      parser.feed(new byte[] {b});
    }

    assertThat(parser.events()).containsExactly(message("é€\uD83D\uDE00", ""));
  }

  @Test
  void invalidUtf8BecomesOneReplacementCharacterPerMaximalSubpart() {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    stream.writeBytes(bytes("data: "));
    stream.writeBytes(new byte[] {(byte) 0xFF}); // never valid
    stream.writeBytes(new byte[] {(byte) 0xC3, 'b'}); // truncated, 'b' read again
    stream.writeBytes(new byte[] {(byte) 0xE0, (byte) 0x80}); // overlong: two errors
    stream.writeBytes(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}); // a surrogate: three errors
    stream.writeBytes(new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}); // truncated by the LF
    stream.writeBytes(bytes("\n\n"));

    EventStreamParser parser = new EventStreamParser().feed(stream.toByteArray());

    assertThat(parser.events()).containsExactly(message("\uFFFD\uFFFDb\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD", ""));
  }

  @Test
  void oneLeadingBomIsStripped() {
    assertThat(parse("\uFEFFdata: a\n\n").events()).containsExactly(message("a", ""));
    // The second BOM is part of the field name "\uFEFFdata", which is unknown.
    assertThat(parse("\uFEFF\uFEFFdata: a\n\n").events()).isEmpty();
    assertThat(parse("data: \uFEFFa\n\n").events()).containsExactly(message("\uFEFFa", ""));
  }

  @Test
  void blankLineWithEmptyDataDispatchesNothingButResetsEventType() {
    EventStreamParser parser = parse("event: x\n\ndata: a\n\nevent: y\ndata\n\n");

    assertThat(parser.events()).containsExactly(message("a", ""), new MessageEvent("y", "", ""));
  }

  @Test
  void onlyOneLeadingSpaceIsStrippedAndValueSplitsAtFirstColon() {
    EventStreamParser parser = parse("data:a\ndata: b\ndata:  c\ndata: d: e\nevent:x:y\n\n");

    assertThat(parser.events()).containsExactly(new MessageEvent("x:y", "a\nb\n c\nd: e", ""));
  }

  @Test
  void lastEventIdPersistsUntilAnIdFieldChangesIt() {
    EventStreamParser parser =
        parse("id: 1\ndata: a\n\ndata: b\n\nid: 2\0\ndata: c\n\nid\ndata: d\n\nid: 3\n\n");

    assertThat(parser.events())
        .containsExactly(message("a", "1"), message("b", "1"), message("c", "1"), message("d", ""));
    assertThat(parser.lastEventId()).isEqualTo("3");
  }

  @Test
  void retryAcceptsOnlyAsciiDigits() {
    assertThat(parse("retry: 1500\n").retry()).hasValue(1500);
    assertThat(parse("retry:0\n").retry()).hasValue(0);
    for (String bad : new String[] {"1a", "-1", " 5", "1.5", "", "\u0663", "99999999999999999999"}) {
      assertThat(parse("retry: 7\nretry: " + bad + "\n").retry()).as(bad).hasValue(7);
    }
  }

  @Test
  void commentsAndUnknownFieldsDispatchNothing() {
    EventStreamParser parser = parse(": ping\n:\n::x\nData: a\nfoo: b\n\n");

    assertThat(parser.events()).isEmpty();
    assertThat(parser.comments()).containsExactly("ping", "", ":x");
  }

  @Test
  void incompleteEventAtEndIsDiscarded() {
    assertThat(parse("data: a\n\ndata: b\n").events()).containsExactly(message("a", ""));
    assertThat(parse("data: a\n\ndata: b").events()).containsExactly(message("a", ""));
  }

  @Test
  void byteBufferIsReadFromPositionToLimit() {
    ByteBuffer chunk = ByteBuffer.wrap(bytes("xxdata: a\n\nyy"), 2, 9);

    EventStreamParser parser = new EventStreamParser().feed(chunk);

    assertThat(parser.events()).containsExactly(message("a", ""));
    assertThat(chunk.position()).isEqualTo(11);
  }

  private static EventStreamParser parse(String stream) {
    return new EventStreamParser().feed(bytes(stream));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static MessageEvent message(String data, String lastEventId) {
    return new MessageEvent("message", data, lastEventId);
  }
}
