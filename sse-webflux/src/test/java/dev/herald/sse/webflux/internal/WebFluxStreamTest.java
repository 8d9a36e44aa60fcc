package dev.herald.sse.webflux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.Sender;
import dev.herald.sse.core.Handshake;
import dev.herald.sse.core.SseRequest;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.spi.SseChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import reactor.netty.Connection;

/**
 * {@link WebFluxStream} on an {@link EmbeddedChannel}, with a subscriber that behaves as Reactor Netty's does: it
 * asks for 128 elements ahead and writes each to the connection without flushing.
 */
class WebFluxStreamTest {
  private static final String EVENT = "x".repeat(200);

  private final EmbeddedChannel connection = new EmbeddedChannel();
  private final AtomicReference<Sender> sender = new AtomicReference<>();
  private final AtomicReference<CloseReason> closed = new AtomicReference<>();
  private final Writer writer = new Writer();
  private SseChannel channel;

  @BeforeEach
  void open() {
    connection.config().setWriteBufferWaterMark(new WriteBufferWaterMark(512, 1024));
    Handshake handshake = Handshake.of(StreamConfig.builder().heartbeat(Duration.ZERO).build(), s -> {
      sender.set(s);
      s.onClose(closed::set);
    });
    Handshake.Open open = (Handshake.Open) handshake.answer(SseRequest.of("GET", Map.of()));
    channel = open.channel();
    new WebFluxStream(open, new NettyDataBufferFactory(ByteBufAllocator.DEFAULT), Connection.from(connection),
        Duration.ofSeconds(5)).subscribe(writer);
    connection.runPendingTasks();
  }

  @AfterEach
  void release() {
    connection.finishAndReleaseAll();
  }

  @Test
  void theFirstElementIsEmptySoThatTheResponseIsCommittedAtOnce() {
    assertThat(sender.get()).as("onOpen ran").isNotNull();
    assertThat(writer.elements).isEqualTo(1);
    assertThat(text(readAll())).isEmpty();
  }

  @Test
  void framesAreTakenOnlyWhileTheConnectionIsWritableWhateverTheDemand() {
    for (int i = 0; i < 20; i++) {
      assertThat(sender.get().trySend(Data.of(EVENT))).isTrue();
    }
    connection.runPendingTasks();

    assertThat(connection.isWritable()).as("the connection's buffer passed its high water mark").isFalse();
    assertThat(writer.demand).as("Reactor Netty would still take more").isPositive();
    int taken = writer.bytes;
    assertThat(taken).as("what left the queue: one batch past the high water mark at most")
        .isLessThan(1024 + 2 * EVENT.length()).isLessThan(20 * EVENT.length());

    // The socket takes the bytes: the connection turns writable again, and the drain resumes, a batch at a time.
    StringBuilder written = new StringBuilder();
    for (int round = 0; round < 20 && written.length() < 20 * EVENT.length(); round++) {
      written.append(text(readAll()));
      connection.runPendingTasks();
    }

    assertThat(written.toString()).isEqualTo(("data: " + EVENT + "\n\n").repeat(20));
  }

  @Test
  void aServerCloseCompletesTheBodyAfterWhatIsQueued() {
    sender.get().trySend(Data.of("one"));
    sender.get().trySend(Data.of("two"));
    sender.get().close();
    connection.runPendingTasks();

    assertThat(text(readAll())).isEqualTo("data: one\n\ndata: two\n\n");
    assertThat(writer.completed).isTrue();
    assertThat(connection.isOpen()).as("the connection stays for the next request").isTrue();
  }

  @Test
  void aCloseForAnyOtherReasonClosesTheConnection() {
    sender.get().trySend(Data.of("one"));
    connection.runPendingTasks();
    text(readAll());

    channel.close(CloseReason.SLOW_CONSUMER); // what the engine does to a slow consumer: its queue is emptied
    connection.runPendingTasks();

    assertThat(connection.isOpen()).isFalse();
    assertThat(writer.completed).as("no clean end for a client that was cut").isFalse();
  }

  @Test
  void cancellationClosesTheClientAsGone() {
    writer.subscription.cancel();

    assertThat(closed.get()).isEqualTo(CloseReason.CLIENT_GONE);
    assertThat(sender.get().isOpen()).isFalse();
  }

  @Test
  void aConnectionThatClosesClosesTheClientAsGone() {
    connection.close();
    connection.runPendingTasks();

    assertThat(closed.get()).isEqualTo(CloseReason.CLIENT_GONE);
  }

  private List<ByteBuf> readAll() {
    List<ByteBuf> all = new ArrayList<>();
    connection.flushOutbound();
    ByteBuf buf;
    while ((buf = connection.readOutbound()) != null) {
      all.add(buf);
    }
    return all;
  }

  private static String text(List<ByteBuf> buffers) {
    StringBuilder text = new StringBuilder();
    for (ByteBuf buf : buffers) {
      text.append(buf.toString(StandardCharsets.UTF_8));
      ReferenceCountUtil.release(buf);
    }
    return text.toString();
  }

  /** Asks for 128 elements ahead and refills as Reactor Netty does; writes each element without flushing. */
  private final class Writer implements Subscriber<DataBuffer> {
    Subscription subscription;
    long demand;
    int elements;
    int bytes;
    boolean completed;

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      demand = 128;
      s.request(128);
    }

    @Override
    public void onNext(DataBuffer buffer) {
      demand--;
      elements++;
      bytes += buffer.readableByteCount();
      connection.write(NettyDataBufferFactory.toByteBuf(buffer));
    }

    @Override
    public void onError(Throwable t) {
      throw new AssertionError("the body failed", t);
    }

    @Override
    public void onComplete() {
      completed = true;
    }
  }
}
