package dev.herald.sse.netty;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import dev.herald.sse.Sender;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real Netty server on port 0, read by OkHttp's {@code EventSource} and plain calls. It runs on NIO here and on
 * the native epoll transport in {@link NettySseEpollIT}: the adapter does not care which.
 */
class NettySseIT {
  private EventLoopGroup group;

  private final AtomicInteger connections = new AtomicInteger();
  /** The server's side of each connection, in the order they were accepted. */
  final List<Channel> accepted = new CopyOnWriteArrayList<>();
  /** What the server does to each connection as it accepts it, before any request. */
  volatile Consumer<Channel> onAccept = ch -> {};
  private final List<Sender> singles = new CopyOnWriteArrayList<>();
  private volatile Consumer<Sender> onSingle = sender -> {};
  private Broadcaster broadcaster;
  private Channel server;
  OkHttpClient client;
  String base;

  /** The I/O the event loops use. */
  IoHandlerFactory ioHandler() {
    return NioIoHandler.newFactory();
  }

  /** The server channel type that goes with {@link #ioHandler()}. */
  Class<? extends ServerChannel> serverChannel() {
    return NioServerSocketChannel.class;
  }

  @BeforeEach
  void start() throws InterruptedException {
    group = new MultiThreadIoEventLoopGroup(2, ioHandler());
    broadcaster = Broadcasters.create(BroadcasterConfig.builder()
        .heartbeat(Duration.ZERO) // so that a client that leaves can only be seen by the transport
        .assignIds(true).firstId(1)
        .history(100).channel(queueOf(100))
        .build());
    SseHandler events = new SseHandler("/events", broadcaster);
    server = new ServerBootstrap()
        .group(group)
        .channel(serverChannel())
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            connections.incrementAndGet();
            accepted.add(ch);
            onAccept.accept(ch);
            ChannelPipeline p = ch.pipeline();
            p.addLast(new HttpServerCodec());
            p.addLast(events);
            p.addLast(new Single());
            p.addLast(new NotFound());
          }
        })
        .bind("127.0.0.1", 0)
        .sync()
        .channel();
    base = "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    client = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(30)).build();
  }

  @AfterEach
  void stop() {
    broadcaster.close();
    server.close().syncUninterruptibly();
    client.dispatcher().cancelAll();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void eventsArriveAsBroadcast() throws InterruptedException {
    Listener listener = connect("/events", null);
    listener.expect("open");

    broadcaster.broadcast(Data.of("line one\nline two\r\nline three"));
    broadcaster.broadcast(Data.of("héllo ☃ 😀").withName("greeting"));
    broadcaster.broadcast(Data.of(" leading space, trailing break\n"));
    broadcaster.broadcast(Comment.of("not an event"));
    broadcaster.broadcast(Data.of("").withId("custom"));

    listener.expect("1|null|line one\nline two\nline three");
    listener.expect("2|greeting|héllo ☃ 😀");
    listener.expect("3|null| leading space, trailing break\n");
    listener.expect("custom|null|");
  }

  @Test
  void wireBytesAndHeadersAreExact() throws Exception {
    onSingle = sender -> {
      sender.send(Data.of("a\nb").withId("x").withRetry(Duration.ofSeconds(3)).withName("e"));
      sender.send(Comment.of("just a comment"));
      sender.close();
    };

    try (Response response = client.newCall(new Request.Builder().url(base + "/single").build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.header("Content-Type")).isEqualTo("text/event-stream; charset=utf-8");
      assertThat(response.header("Cache-Control")).isEqualTo("no-cache");
      assertThat(response.header("X-Accel-Buffering")).isEqualTo("no");
      assertThat(response.header("Transfer-Encoding")).isEqualTo("chunked");
      assertThat(response.header("Content-Length")).isNull();
      assertThat(response.header("Connection")).isNull();
      assertThat(response.body().string())
          .isEqualTo("id: x\nevent: e\nretry: 3000\ndata: a\ndata: b\n\n: just a comment\n\n");
    }
  }

  @Test
  void reconnectWithLastEventIdReplaysWhatWasMissedThenLiveEvents() throws InterruptedException {
    Listener first = connect("/events", null);
    first.expect("open");
    broadcaster.broadcast(Data.of("one"));
    broadcaster.broadcast(Data.of("two"));
    first.expect("1|null|one");
    first.expect("2|null|two");
    first.source.cancel();
    Await.until("the first connection is gone", () -> broadcaster.clientCount() == 0);

    broadcaster.broadcast(Data.of("three"));
    broadcaster.broadcast(Data.of("four"));
    Listener second = connect("/events", "2");
    second.expect("open");
    broadcaster.broadcast(Data.of("five"));

    second.expect("3|null|three");
    second.expect("4|null|four");
    second.expect("5|null|five");
    assertThat(broadcaster.stats().replayHits()).isEqualTo(1);
  }

  @Test
  void senderCloseEndsTheStreamCleanlyAfterWhatWasQueued() throws InterruptedException {
    onSingle = sender -> {
      for (int i = 3; i > 0; i--) {
        sender.send(Data.of(Integer.toString(i)));
      }
      sender.close();
    };

    Listener listener = connect("/single", null);

    listener.expect("open");
    listener.expect("null|null|3");
    listener.expect("null|null|2");
    listener.expect("null|null|1");
    listener.expect("closed");
  }

  @Test
  void broadcasterCloseEndsEveryStreamCleanly() throws InterruptedException {
    Listener a = connect("/events", null);
    Listener b = connect("/events", null);
    a.expect("open");
    b.expect("open");

    broadcaster.broadcast(Data.of("bye"));
    broadcaster.close();

    for (Listener listener : List.of(a, b)) {
      listener.expect("1|null|bye");
      listener.expect("closed");
    }
  }

  @Test
  void clientThatLeavesIsSeenAtOnce() throws InterruptedException {
    BlockingQueue<CloseReason> closed = new LinkedBlockingQueue<>();
    onSingle = sender -> sender.onClose(closed::add);
    Listener events = connect("/events", null);
    Listener single = connect("/single", null);
    events.expect("open");
    single.expect("open");
    assertThat(broadcaster.clientCount()).isEqualTo(1);

    events.source.cancel();
    single.source.cancel();

    // No heartbeat runs: only the transport's channelInactive can tell.
    Await.until("the broadcaster forgets the client", () -> broadcaster.clientCount() == 0);
    assertThat(closed.poll(5, TimeUnit.SECONDS)).isEqualTo(CloseReason.CLIENT_GONE);
  }

  @Test
  void manyClientsComeAndGoAndNoneIsLeftBehind() throws InterruptedException {
    for (int i = 0; i < 25; i++) {
      Listener listener = connect("/events", null);
      listener.expect("open");
      listener.source.cancel();
    }

    Await.until("every client is gone", () -> broadcaster.clientCount() == 0);
    assertThat(broadcaster.stats().clientsConnected()).isEqualTo(25);
  }

  @Test
  void connectionServesTheNextRequestAfterAStreamEnds() throws Exception {
    onSingle = Sender::close;

    try (Response response = client.newCall(new Request.Builder().url(base + "/single").build()).execute()) {
      assertThat(response.body().string()).isEmpty();
    }
    try (Response response = client.newCall(new Request.Builder().url(base + "/nothing").build()).execute()) {
      assertThat(response.code()).isEqualTo(404);
    }

    assertThat(connections.get()).as("the second request reused the first connection").isEqualTo(1);
  }

  Listener connect(String path, String lastEventId) {
    Request.Builder request = new Request.Builder().url(base + path);
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    Listener listener = new Listener();
    listener.source = EventSources.createFactory(client).newEventSource(request.build(), listener);
    return listener;
  }

  /** Records what an EventSource sees as strings: {@code open}, {@code id|type|data}, {@code closed}. */
  static final class Listener extends EventSourceListener {
    final BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    EventSource source;

    @Override
    public void onOpen(EventSource eventSource, Response response) {
      seen.add("open");
    }

    @Override
    public void onEvent(EventSource eventSource, String id, String type, String data) {
      seen.add(id + "|" + type + "|" + data);
    }

    @Override
    public void onClosed(EventSource eventSource) {
      seen.add("closed");
    }

    @Override
    public void onFailure(EventSource eventSource, Throwable t, Response response) {
      seen.add("failure: " + t + " " + (response == null ? "" : response.code()));
    }

    void expect(String next) throws InterruptedException {
      assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo(next);
    }
  }

  /** Serves {@code /single} with NettySse.stream, the way an application's own handler would. */
  private final class Single extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest request && request.uri().equals("/single")) {
        try {
          NettySse.stream(ctx, request, sender -> {
            singles.add(sender);
            onSingle.accept(sender);
          });
        } finally {
          ReferenceCountUtil.release(msg);
        }
      } else {
        ctx.fireChannelRead(msg);
      }
    }
  }

  /** Answers anything else with 404, keeping the connection. */
  private static final class NotFound extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND,
            Unpooled.copiedBuffer("not found\n", UTF_8));
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      }
      ReferenceCountUtil.release(msg);
    }
  }

  /** A client queue of this many events: a history at least as long lets a client cut as slow resume. */
  private static ChannelConfig queueOf(int events) {
    return ChannelConfig.builder().maxQueuedEvents(events).build();
  }
}
