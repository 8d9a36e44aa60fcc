package dev.herald.sse.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.testkit.ReliabilityScenarios;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The reliability suite on Netty (NIO), with every leaked buffer failing the test (Netty's paranoid leak detector
 * reports to {@link LeakRecorder}).
 */
class NettyReliabilityIT extends ReliabilityScenarios {

  @Override
  protected TestServer start(Broadcaster broadcaster, int sendBuffer, boolean smallOutputBuffer) {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    SseHandler events = new SseHandler("/events", broadcaster);
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.add(ch);
            ch.pipeline().addLast(new HttpServerCodec(), events, new NotFound());
          }
        });
    if (sendBuffer > 0) {
      bootstrap.childOption(ChannelOption.SO_SNDBUF, sendBuffer);
    }
    if (smallOutputBuffer) {
      bootstrap.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1024, 2048));
    }
    Channel listener = bootstrap.bind("127.0.0.1", 0).syncUninterruptibly().channel();
    int port = ((InetSocketAddress) listener.localAddress()).getPort();
    return new TestServer() {
      @Override
      public int port() {
        return port;
      }

      @Override
      public void stop() {
        if (group.isShuttingDown()) {
          return;
        }
        listener.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      }
    };
  }

  @Override
  protected Duration closeDetection() {
    return Duration.ZERO; // channelInactive reports a close at once
  }

  @Override
  protected void afterEachTest() {
    assertThat(LeakRecorder.installed()).as("the leak check is live").isTrue();
    assertThat(LeakRecorder.drain()).as("Netty buffers leaked").isEmpty();
  }

  /** Answers anything else with 404 (400 for a request the codec could not read). */
  private static final class NotFound extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest request) {
        HttpResponseStatus status = request.decoderResult().isFailure()
            ? HttpResponseStatus.BAD_REQUEST : HttpResponseStatus.NOT_FOUND;
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), status,
            Unpooled.EMPTY_BUFFER);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      }
      ReferenceCountUtil.release(msg);
    }
  }
}
