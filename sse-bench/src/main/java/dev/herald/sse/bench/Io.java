package dev.herald.sse.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Netty's I/O for the server and the load client: NIO, and native epoll for the server's {@code --io epoll}. The
 * load client is always NIO, so that a change of the server's I/O does not change the client that measures it.
 */
public final class Io {
  private Io() {}

  public static EventLoopGroup group(int threads) {
    return group(threads, false);
  }

  public static EventLoopGroup group(int threads, boolean epoll) {
    return new MultiThreadIoEventLoopGroup(threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  public static Class<? extends ServerSocketChannel> serverChannel(boolean epoll) {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public static Class<? extends SocketChannel> clientChannel() {
    return NioSocketChannel.class;
  }
}
