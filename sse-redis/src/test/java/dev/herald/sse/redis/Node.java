package dev.herald.sse.redis;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
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

/** One Herald server of a test cluster: a clustered broadcaster served by Netty at {@code /events} on port 0. */
final class Node implements AutoCloseable {
  final String name;
  final Broadcaster broadcaster;
  final RedisBackplane backplane;
  private final Channel server;

  private Node(String name, Broadcaster broadcaster, RedisBackplane backplane, Channel server) {
    this.name = name;
    this.broadcaster = broadcaster;
    this.backplane = backplane;
    this.server = server;
  }

  static Node start(String name, EventLoopGroup group, String redisUri, int history) throws InterruptedException {
    RedisBackplane backplane = RedisBackplane.builder(redisUri)
        .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(500))
        .build();
    Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
        .greeting(Data.of("connected to " + name))
        .heartbeat(Duration.ofSeconds(1))
        .history(history)
        .backplane(backplane)
        .build());
    SseHandler events = new SseHandler("/events", broadcaster);
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
      return new Node(name, broadcaster, backplane, server);
    } catch (RuntimeException | InterruptedException e) {
      broadcaster.close();
      throw e;
    }
  }

  URI events() {
    return URI.create("http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/events");
  }

  @Override
  public void close() {
    broadcaster.close();
    server.close().syncUninterruptibly();
  }

  @Override
  public String toString() {
    return name;
  }
}
