package dev.herald.sse.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * One cleartext HTTP/2 connection by prior knowledge, carrying several clients, each on its own stream, as a
 * browser's tabs share one connection to an origin.
 *
 * <p>Each stream's window is 6 MiB, as Chromium opens; the connection's is opened to the sum of its streams' windows
 * plus 1 MiB, so a stalled stream fills its own window and never the one the others share. (A first version opened
 * 256 KiB per stream: on a loaded machine, a client that fell behind for a few seconds then had so little in flight
 * that its queue on the server stayed full for the slow-client grace, and some streams were cut that HTTP/1.1's
 * socket buffers, several MiB per connection, would have carried.)
 */
final class H2c {
  static final int STREAM_WINDOW = 6 * 1024 * 1024;

  private H2c() {}

  /**
   * Connects and, once the connection is up, opens one stream per client.
   *
   * @return the connection's future; its channel is the connection (closing it ends every stream)
   */
  static ChannelFuture connect(Bootstrap bootstrap, InetSocketAddress server, InetSocketAddress source,
      List<Client> clients, Run run) {
    long connectionWindow = Math.min(Integer.MAX_VALUE, (long) clients.size() * STREAM_WINDOW + (1 << 20));
    ChannelFuture future = bootstrap
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(
                Http2FrameCodecBuilder.forClient()
                    .initialSettings(Http2Settings.defaultSettings().initialWindowSize(STREAM_WINDOW).pushEnabled(false))
                    .build(),
                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelActive(ChannelHandlerContext ctx) {
                    ctx.fireChannelActive();
                    int increment = (int) (connectionWindow - 65_535);
                    ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(increment));
                    for (Client client : clients) {
                      new Http2StreamChannelBootstrap(ctx.channel()).handler(client).open().addListener(f -> {
                        if (!f.isSuccess()) {
                          run.failed("stream: " + f.cause().getMessage());
                        }
                      });
                    }
                  }
                });
          }
        })
        .connect(server, source);
    future.addListener(f -> {
      if (!f.isSuccess()) {
        for (int i = 0; i < clients.size(); i++) {
          run.failed("connect: " + f.cause().getMessage());
        }
      }
    });
    return future;
  }
}
