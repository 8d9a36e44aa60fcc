package dev.herald.sse.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Netty's I/O for the server and the load client: NIO. (Native epoll would save CPU on both sides, but its
 * linux-x86_64 jar for this Netty version cannot be had here; NIO is what every run used.)
 */
public final class Io {
  private Io() {}

  public static EventLoopGroup group(int threads) {
    return new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
  }

  public static Class<? extends ServerSocketChannel> serverChannel() {
    return NioServerSocketChannel.class;
  }

  public static Class<? extends SocketChannel> clientChannel() {
    return NioSocketChannel.class;
  }
}
