package dev.herald.sse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
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

  private void feed(String text) {
    ByteBuf buffer = Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    parser.feed(buffer);
    buffer.release();
  }

  private static String chunk(String text) {
    return Integer.toHexString(text.length()) + "\r\n" + text + "\r\n";
  }
}
