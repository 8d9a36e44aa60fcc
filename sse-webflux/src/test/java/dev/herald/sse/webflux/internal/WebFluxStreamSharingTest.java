package dev.herald.sse.webflux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.Handshake;
import dev.herald.sse.core.SseRequest;
import dev.herald.sse.core.StreamConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import reactor.netty.Connection;

/**
 * One broadcast to two {@link WebFluxStream}s, each on its own {@link EmbeddedChannel}: the element each client is
 * given wraps the frame the engine encoded once and shares (issue 17: "wrap, do not copy"), through a buffer factory
 * that records what the stream asks of it.
 *
 * <p>Java 17 has no public way to see the array behind a read-only heap {@link ByteBuffer}, so the memory itself is
 * not compared. What is checked instead: the stream asks the factory for no buffer of its own and wraps no array;
 * what it wraps is a read-only view, which only {@code Frame.buffer()} hands out (a copy the stream made would be
 * writable); and the element the client gets is that very wrapper.
 */
class WebFluxStreamSharingTest {
  private static final String EVENT = "{\"status\":\"shipped\"}";

  private final Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
      .heartbeat(Duration.ZERO).build());
  private final Handshake handshake = Handshake.of(broadcaster, StreamConfig.builder().build());
  private final List<Client> clients = new ArrayList<>();

  @AfterEach
  void release() {
    broadcaster.close();
    clients.forEach(client -> client.connection.finishAndReleaseAll());
  }

  @Test
  void aBroadcastReachesTwoClientsAsWrappersOfItsSharedFrameNeverAsCopies() {
    Client first = open();
    Client second = open();
    clients.forEach(Client::forgetTheOpening);

    assertThat(broadcaster.broadcast(Data.of(EVENT))).isEqualTo(2);
    clients.forEach(client -> client.connection.runPendingTasks());

    for (Client client : clients) {
      RecordingFactory buffers = client.buffers;
      assertThat(buffers.allocated).as("buffers the stream allocated to copy into").isZero();
      assertThat(buffers.wrappedArrays).as("arrays the stream wrapped (a frame hands out none)").isZero();
      assertThat(buffers.wrapped).as("one frame, one wrapper").hasSize(1);
      assertThat(buffers.wrapped.get(0).isReadOnly()).as("the frame's own read-only view, not a copy").isTrue();
      assertThat(client.elements).as("the client writes the wrapper itself")
          .singleElement().isSameAs(buffers.wrappers.get(0));
    }
    assertThat(first.buffers.wrapped.get(0)).as("both views show the one frame")
        .isEqualTo(second.buffers.wrapped.get(0))
        .isEqualTo(ByteBuffer.wrap(("data: " + EVENT + "\n\n").getBytes(StandardCharsets.UTF_8)));
    assertThat(first.written()).isEqualTo(second.written()).isEqualTo("data: " + EVENT + "\n\n");
  }

  private Client open() {
    Client client = new Client();
    clients.add(client);
    Handshake.Open open = (Handshake.Open) handshake.answer(SseRequest.of("GET", Map.of()));
    new WebFluxStream(open, client.buffers, Connection.from(client.connection), Duration.ofSeconds(5))
        .subscribe(client);
    client.connection.runPendingTasks();
    return client;
  }

  /** A Netty buffer factory that counts what it is asked for and keeps what it wrapped. */
  private static final class RecordingFactory extends NettyDataBufferFactory {
    final List<ByteBuffer> wrapped = new ArrayList<>();
    final List<DataBuffer> wrappers = new ArrayList<>();
    int allocated;
    int wrappedArrays;

    RecordingFactory() {
      super(ByteBufAllocator.DEFAULT);
    }

    @Override
    public NettyDataBuffer allocateBuffer(int initialCapacity) {
      allocated++;
      return super.allocateBuffer(initialCapacity);
    }

    @Override
    public NettyDataBuffer wrap(ByteBuffer byteBuffer) {
      NettyDataBuffer wrapper = super.wrap(byteBuffer);
      wrapped.add(byteBuffer.duplicate()); // a view of the same bytes, whose position the test may move
      wrappers.add(wrapper);
      return wrapper;
    }

    @Override
    public DataBuffer wrap(byte[] bytes) {
      wrappedArrays++;
      return super.wrap(bytes);
    }
  }

  /** One client: its connection, its factory, and a subscriber that writes each element as Reactor Netty does. */
  private static final class Client implements Subscriber<DataBuffer> {
    final EmbeddedChannel connection = new EmbeddedChannel();
    final RecordingFactory buffers = new RecordingFactory();
    final List<DataBuffer> elements = new ArrayList<>();

    @Override
    public void onSubscribe(Subscription s) {
      s.request(128);
    }

    @Override
    public void onNext(DataBuffer buffer) {
      elements.add(buffer);
      connection.write(NettyDataBufferFactory.toByteBuf(buffer));
    }

    @Override
    public void onError(Throwable t) {
      throw new AssertionError("the body failed", t);
    }

    @Override
    public void onComplete() {}

    /** Forgets the empty element that commits the response, and what it took to make it. */
    void forgetTheOpening() {
      assertThat(written()).as("the opening element is empty").isEmpty();
      elements.clear();
      buffers.wrapped.clear();
      buffers.wrappers.clear();
    }

    /** What the connection wrote, read out and released. */
    String written() {
      connection.flushOutbound();
      StringBuilder text = new StringBuilder();
      ByteBuf buf;
      while ((buf = connection.readOutbound()) != null) {
        text.append(buf.toString(StandardCharsets.UTF_8));
        ReferenceCountUtil.release(buf);
      }
      return text.toString();
    }
  }
}
