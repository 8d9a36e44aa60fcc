package dev.herald.sse.redis;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.Event;
import dev.herald.sse.core.Access;
import dev.herald.sse.core.Authorizer;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.core.spi.Backplane;
import dev.herald.sse.core.spi.BackplaneEntry;
import dev.herald.sse.core.spi.ReplayPage;
import dev.herald.sse.netty.SseHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One Herald server of a test cluster: a clustered broadcaster served by Netty at {@code /events} on port 0.
 *
 * <p>Its backplane's deliveries pass a gate that a test can {@linkplain #pause() close}: the backplane's reader
 * thread then waits in it, as a reader held up by a GC pause would, while the other nodes go on publishing.
 */
final class Node implements AutoCloseable {
  final String name;
  final Broadcaster broadcaster;
  final RedisBackplane backplane;
  private final Gate gate;
  private final Channel server;

  private Node(String name, Broadcaster broadcaster, RedisBackplane backplane, Gate gate, Channel server) {
    this.name = name;
    this.broadcaster = broadcaster;
    this.backplane = backplane;
    this.gate = gate;
    this.server = server;
  }

  static Node start(String name, EventLoopGroup group, String redisUri, int history) throws InterruptedException {
    return start(name, group, redisUri, history, 0);
  }

  /**
   * Starts a node.
   *
   * @param maxLength the stream's length for {@link RedisBackplane.Builder#maxLength}, 0 for the default
   */
  static Node start(String name, EventLoopGroup group, String redisUri, int history, int maxLength)
      throws InterruptedException {
    return start(name, group, redisUri, maxLength, config -> config.history(history));
  }

  /**
   * Starts a node whose broadcaster's configuration the test completes. Its streams take an identity from the
   * {@code user} query parameter, if there is one (as a real application would from a verified cookie).
   *
   * @param maxLength the stream's length for {@link RedisBackplane.Builder#maxLength}, 0 for the default
   * @param configure sets the history and whatever else the test needs
   */
  static Node start(String name, EventLoopGroup group, String redisUri, int maxLength,
      Consumer<BroadcasterConfig.Builder> configure) throws InterruptedException {
    return start(name, group, RedisBackplane.builder(redisUri).maxLength(maxLength), configure);
  }

  /**
   * Starts a node on a backplane that the test configured.
   *
   * @param backplaneConfig the backplane's builder, with the Redis URI and whatever the test needs
   * @param configure sets the history and whatever else the test needs
   */
  static Node start(String name, EventLoopGroup group, RedisBackplane.Builder backplaneConfig,
      Consumer<BroadcasterConfig.Builder> configure) throws InterruptedException {
    RedisBackplane backplane = backplaneConfig
        .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(500))
        .build();
    Gate gate = new Gate(backplane);
    BroadcasterConfig.Builder config = BroadcasterConfig.builder()
        .greeting(Data.of("connected to " + name))
        .heartbeat(Duration.ofSeconds(1))
        .backplane(gate);
    configure.accept(config);
    Broadcaster broadcaster = Broadcasters.create(config.build());
    SseHandler events = new SseHandler("/events", broadcaster, StreamConfig.builder()
        .authorizer(request -> {
          List<String> user = request.queryParameters("user");
          return user.isEmpty() ? Authorizer.anyone().decide(request) : Access.grant(user.get(0), List.of("**"));
        })
        .build());
    try {
      Channel server = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new HttpServerCodec(), events);
            }
          })
          .bind("127.0.0.1", 0).sync().channel();
      return new Node(name, broadcaster, backplane, gate, server);
    } catch (RuntimeException | InterruptedException e) {
      broadcaster.close();
      throw e;
    }
  }

  URI events() {
    return URI.create("http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/events");
  }

  /** The port the node serves on. */
  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** The stream with a query string, such as {@code topic=rooms/1&user=bob}. */
  URI events(String query) {
    return URI.create(events() + "?" + query);
  }

  /**
   * Broadcasts an event through this node's backplane and waits only for Redis to acknowledge it, not for the
   * nodes to offer it to their clients as {@code broadcastPaced} does: for a test that holds a node up meanwhile.
   */
  void publishAcknowledged(String data) {
    backplane.publish(Data.of(data)).toCompletableFuture().join();
  }

  /** Closes the gate: the next entry the backplane delivers waits in it, and so does its reader thread. */
  void pause() {
    gate.pause();
  }

  /**
   * Returns the id of the entry waiting in the closed gate.
   *
   * @return the id, or {@code null} if none is waiting
   */
  @Nullable String heldAt() {
    return gate.heldAt();
  }

  /** Opens the gate: the entry waiting in it is delivered, and the reader goes on. */
  void resume() {
    gate.resume();
  }

  @Override
  public void close() {
    gate.resume();
    broadcaster.close();
    server.close().syncUninterruptibly();
  }

  @Override
  public String toString() {
    return name;
  }

  /** The node's backplane, with a gate in front of its deliveries. Thread-safe. */
  private static final class Gate implements Backplane {
    private final Backplane backplane;
    private boolean paused; // guarded by this
    private @Nullable String heldAt; // guarded by this

    Gate(Backplane backplane) {
      this.backplane = backplane;
    }

    synchronized void pause() {
      paused = true;
    }

    synchronized void resume() {
      paused = false;
      notifyAll();
    }

    synchronized @Nullable String heldAt() {
      return heldAt;
    }

    private synchronized void pass(BackplaneEntry entry) {
      boolean interrupted = false;
      while (paused) {
        heldAt = entry.id();
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      heldAt = null;
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void start(int history, Consumer<BackplaneEntry> deliver) {
      backplane.start(history, entry -> {
        pass(entry);
        deliver.accept(entry);
      });
    }

    @Override
    public CompletionStage<String> publish(Event event) {
      return backplane.publish(event);
    }

    @Override
    public CompletionStage<String> publish(Event event, List<String> topics, @Nullable String identity) {
      return backplane.publish(event, topics, identity);
    }

    @Override
    public CompletionStage<String> publishPaced(Event event) {
      return backplane.publishPaced(event);
    }

    @Override
    public CompletionStage<String> publish(Event event, String idempotencyKey) {
      return backplane.publish(event, idempotencyKey);
    }

    @Override
    public CompletionStage<String> publishPaced(Event event, String idempotencyKey) {
      return backplane.publishPaced(event, idempotencyKey);
    }

    @Override
    public boolean retriesPacedPublishes() {
      return backplane.retriesPacedPublishes();
    }

    @Override
    public CompletionStage<Void> nextOutage() {
      return backplane.nextOutage();
    }

    @Override
    public void offered(String id) {
      backplane.offered(id);
    }

    @Override
    public CompletionStage<Void> awaitOffered(String id) {
      return backplane.awaitOffered(id);
    }

    @Override
    public CompletionStage<@Nullable ReplayPage> replay(String afterId, int max) {
      return backplane.replay(afterId, max);
    }

    @Override
    public Comparator<String> idOrder() {
      return backplane.idOrder();
    }

    @Override
    public boolean isUp() {
      return backplane.isUp();
    }

    @Override
    public long outages() {
      return backplane.outages();
    }

    @Override
    public void close() {
      resume();
      backplane.close();
    }
  }
}
