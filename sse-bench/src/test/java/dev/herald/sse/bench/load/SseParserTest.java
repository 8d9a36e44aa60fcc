package dev.herald.sse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
  private static final String HEAD = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
      + "transfer-encoding: chunked\r\n\r\n";

  private final List<String> seen = new ArrayList<>();
  private final SseParser parser = new SseParser(new SseParser.Listener() {
    @Override
    public void head(int status) {
      seen.add("head " + status);
    }

    @Override
    public void connected() {
      seen.add("connected");
    }

    @Override
    public void event(long sentNanos) {
      seen.add("event " + sentNanos);
    }

    @Override
    public void other() {
      seen.add("other");
    }
  });

  @Test
  void chunkedGreetingAndEventsWithIdsAndComments() {
    feed(HEAD + chunk("data: connected\n\n") + chunk("id: 1\ndata: 12345xxxx\n\n") + chunk(": ping\n\n")
        + chunk("id: 2\ndata: 678xx\n\n") + "0\r\n\r\n");

    assertThat(seen).containsExactly("head 200", "connected", "event 12345", "event 678");
    assertThat(parser.done()).isTrue();
  }

  @Test
  void bytesSplitAnywhereGiveTheSameEvents() {
    String wire = HEAD + chunk("data: connected\n\n") + chunk("id: 1\ndata: 987654321xx\n\nid: 2\ndata: 5x\n\n");
    byte[] bytes = wire.getBytes(StandardCharsets.US_ASCII);
    for (byte b : bytes) {
      parser.feed(Unpooled.wrappedBuffer(new byte[] {b}));
    }

    assertThat(seen).containsExactly("head 200", "connected", "event 987654321", "event 5");
  }

  @Test
  void chunkBoundariesInsideLinesAndExtensions() {
    feed(HEAD + "5;ext=1\r\ndata:\r\n4\r\n 42x\r\n2\r\n\n\n\r\n");

    assertThat(seen).containsExactly("head 200", "event 42");
  }

  @Test
  void unchunkedBodyWithCrLfLines() {
    feed("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: connected\r\n\r\ndata:77\r\rdata: hi\n\n");

    assertThat(seen).containsExactly("head 200", "connected", "event 77", "other");
  }

  @Test
  void onlyTheDataFieldCountsAndNotAPrefixOfIt() {
    feed("HTTP/1.1 200 OK\r\n\r\nid: 5\n\ndatum: 9\n\ndata: connectedx\n\ndata: connected\ndata: 1\n\n");

    assertThat(seen).containsExactly("head 200", "other", "other");
  }

  @Test
  void reportsTheStatus() {
    feed("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n");

    assertThat(seen).containsExactly("head 503");
  }

  @Test
  void aGzipBodyIsInflatedAsItArrivesEventByEvent() throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    wire.writeBytes(("HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    List<Integer> flushedAt = new ArrayList<>();
    try (GZIPOutputStream gzip = new GZIPOutputStream(compressed, true)) {
      for (String event : List.of("data: connected\n\n", "id: 1\ndata: 4242xxxx\n\n", "data: 7x\n\n")) {
        gzip.write(event.getBytes(StandardCharsets.US_ASCII));
        gzip.flush(); // a sync flush per event, as a server that sends each event at once
        flushedAt.add(compressed.size());
      }
    }
    byte[] body = compressed.toByteArray();
    int from = 0;
    for (int to : flushedAt) {
      wire.writeBytes(chunk(body, from, to));
      from = to;
    }
    wire.writeBytes(chunk(body, from, body.length)); // the final block and the trailer
    wire.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    byte[] bytes = wire.toByteArray();

    for (byte b : bytes) { // split anywhere, down to single bytes of the gzip header
      parser.feed(Unpooled.wrappedBuffer(new byte[] {b}));
    }

    assertThat(seen).containsExactly("head 200", "connected", "event 4242", "event 7");
    assertThat(parser.done()).isTrue();
  }

  @Test
  void anHttp2BodyStartsWithoutAHead() {
    parser.startBody(200, false);
    feed("data: connected\n\ndata: 9\n\n");

    assertThat(seen).containsExactly("head 200", "connected", "event 9");
  }

  private static byte[] chunk(byte[] body, int from, int to) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes((Integer.toHexString(to - from) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(body, from, to - from);
    out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private void feed(String text) {
    ByteBuf buffer = Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    parser.feed(buffer);
    buffer.release();
  }

  private static String chunk(String text) {
    return Integer.toHexString(text.length()) + "\r\n" + text + "\r\n";
  }
}
