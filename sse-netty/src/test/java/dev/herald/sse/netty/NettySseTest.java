package dev.herald.sse.netty;

import static dev.herald.sse.netty.Wire.LAST_CHUNK;
import static dev.herald.sse.netty.Wire.STREAM_HEADERS;
import static dev.herald.sse.netty.Wire.chunk;
import static dev.herald.sse.netty.Wire.get;
import static dev.herald.sse.netty.Wire.read;
import static dev.herald.sse.netty.Wire.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.Sender;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** {@link NettySse#stream} called from the application's own handler, as its javadoc shows. */
class NettySseTest {
  private final List<Sender> opened = new ArrayList<>();
  private final List<CloseReason> closed = new ArrayList<>();

  private EmbeddedChannel channel(Consumer<Sender> onOpen) {
    return new EmbeddedChannel(new HttpServerCodec(), new SimpleChannelInboundHandler<HttpRequest>() {
      @Override
      protected void channelRead0(ChannelHandlerContext ctx, HttpRequest request) {
        NettySse.stream(ctx, request, onOpen);
      }
    });
  }

  private EmbeddedChannel channel() {
    return channel(sender -> {
      opened.add(sender);
      sender.onClose(closed::add);
    });
  }

  @Test
  void onOpenGetsTheSenderOfANewStreamWithItsLastEventId() {
    EmbeddedChannel channel = channel();

    send(channel, get("/countdown", "Last-Event-ID: 41\r\n"));

    assertThat(read(channel)).isEqualTo(STREAM_HEADERS);
    assertThat(opened).hasSize(1);
    assertThat(opened.get(0).lastEventId()).isEqualTo("41");
    assertThat(channel.<Object>readInbound()).as("the request's end is consumed, not passed on").isNull();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void eventsSentBeforeTheFirstDrainGoOutWithTheHeaders() {
    EmbeddedChannel channel = channel(sender -> sender.send(Data.of("hello")));

    send(channel, get("/countdown"));

    assertThat(read(channel)).isEqualTo(STREAM_HEADERS + chunk("data: hello\n\n"));
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void sendsFromAnotherThreadAreWrittenOnTheEventLoop() throws Exception {
    EmbeddedChannel channel = channel();
    send(channel, get("/countdown"));
    read(channel);

    Thread producer = new Thread(() -> opened.get(0).send(Data.of("from afar")));
    producer.start();
    producer.join(5000);

    assertThat(read(channel)).isEqualTo(chunk("data: from afar\n\n"));
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void senderCloseWritesWhatIsQueuedAndEndsTheResponse() {
    EmbeddedChannel channel = channel();
    send(channel, get("/countdown"));
    read(channel);
    Sender sender = opened.get(0);

    sender.send(Data.of("3"));
    sender.send(Data.of("2"));
    sender.close();

    assertThat(read(channel)).isEqualTo(chunk("data: 3\n\ndata: 2\n\n") + LAST_CHUNK);
    assertThat(closed).containsExactly(CloseReason.SERVER_CLOSED);
    assertThat(channel.isOpen()).isTrue();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void streamThatEndsBeforeTheRequestIsFullyReadStillKeepsTheConnection() {
    EmbeddedChannel channel = channel(sender -> {
      opened.add(sender);
      sender.close(); // ends while HttpServerCodec has yet to pass on the request's LastHttpContent
    });

    send(channel, get("/countdown"));
    assertThat(read(channel)).isEqualTo(STREAM_HEADERS + LAST_CHUNK);
    send(channel, get("/countdown"));

    assertThat(read(channel)).isEqualTo(STREAM_HEADERS + LAST_CHUNK);
    assertThat(opened).hasSize(2);
    assertThat(channel.isOpen()).isTrue();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void clientThatLeavesClosesTheSenderAtOnce() {
    EmbeddedChannel channel = channel();
    send(channel, get("/countdown"));
    read(channel);

    channel.close();

    assertThat(closed).containsExactly(CloseReason.CLIENT_GONE);
    assertThat(opened.get(0).isOpen()).isFalse();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void onOpenThatThrowsEndsTheStreamAndClosesTheConnection() {
    EmbeddedChannel channel = channel(sender -> {
      opened.add(sender);
      throw new IllegalStateException("application bug (expected by this test)");
    });

    send(channel, get("/countdown"));

    assertThat(read(channel)).isEqualTo(STREAM_HEADERS);
    assertThat(opened.get(0).isOpen()).isFalse();
    assertThat(channel.isOpen()).isFalse();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void headOpensNoStream() {
    EmbeddedChannel channel = channel();

    send(channel, "HEAD /countdown HTTP/1.1\r\nHost: localhost\r\n\r\n");

    assertThat(read(channel)).isEqualTo(STREAM_HEADERS);
    assertThat(opened).isEmpty();
    assertThat(channel.isOpen()).isTrue();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }
}
