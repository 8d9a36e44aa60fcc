package dev.herald.sse.bench.server;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.examples.ExampleApp;
import dev.herald.sse.netty.NettySse;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The load server's routes: the example's {@code /events} and {@code /events/{msg}}, served through Herald or by
 * the raw floor, plus {@code /bench/burst}, {@code /bench/info} and {@code /bench/gc}.
 */
@Sharable
final class BenchHandler extends ChannelInboundHandlerAdapter {
  private static final AttributeKey<Boolean> RAW_CLIENT = AttributeKey.valueOf("rawClient");
  private static final byte[] CONNECTED = "data: connected\n\n".getBytes(StandardCharsets.US_ASCII);

  private final ExampleApp app;
  private final Broadcaster broadcaster;
  private final RawFanout raw; // null when Herald serves the streams
  private final StreamConfig streams;
  private final BenchRoutes bench;

  /**
   * Serves the example's routes with {@code broadcaster} (configured as the example's, with a chosen queue) or,
   * when {@code raw} is given, with the raw floor; Herald's streams are served with {@code streams} (gzip or not).
   */
  BenchHandler(String transport, ExampleApp app, Broadcaster broadcaster, RawFanout raw, StreamConfig streams) {
    this.app = app;
    this.broadcaster = broadcaster;
    this.raw = raw;
    this.streams = streams;
    this.bench = new BenchRoutes(transport, raw == null ? broadcaster : null,
        raw != null ? raw : new HeraldFanout(broadcaster));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest request) {
        route(ctx, request);
      } else if (!(msg instanceof HttpContent)) {
        ctx.fireChannelRead(ReferenceCountUtil.retain(msg));
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void route(ChannelHandlerContext ctx, HttpRequest request) {
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    String path = uri.path();
    if (BenchRoutes.isBench(path)) {
      Map<String, String> query = new HashMap<>();
      uri.parameters().forEach((name, values) -> query.put(name, values.get(0)));
      Burst.Answer answer = bench.answer(path, query, bench.clients(0));
      text(ctx, request, answer.status(), answer.text());
      return;
    }
    ExampleApp.Route route = app.route(request.method().name(), request.uri());
    switch (route.kind()) {
      case SUBSCRIBE -> {
        if (raw == null) {
          NettySse.serve(ctx, request, broadcaster, streams);
        } else {
          subscribeRaw(ctx, request);
        }
      }
      case BROADCAST_PATH -> {
        String message = QueryStringDecoder.decodeComponent(route.argument(), StandardCharsets.UTF_8);
        if (raw == null) {
          broadcaster.broadcast(Data.of(message));
        } else {
          raw.send(message);
        }
        text(ctx, request, 200, "msg sent");
      }
      case STATS -> text(ctx, request, 200, raw == null ? broadcaster.stats().toString() : "raw: no stats");
      case BROADCAST_BODY -> text(ctx, request, 405, "the bench server takes GET /events/{msg} only");
      default -> reply(ctx, request, app.reply(route));
    }
  }

  private void subscribeRaw(ChannelHandlerContext ctx, HttpRequest request) {
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    ctx.write(response);
    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(CONNECTED)));
    ctx.channel().attr(RAW_CLIENT).set(Boolean.TRUE);
    raw.add(ctx.channel());
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (raw != null && ctx.channel().hasAttr(RAW_CLIENT)) {
      if (ctx.channel().isWritable()) {
        raw.writable();
      } else {
        raw.unwritable();
      }
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (raw != null && ctx.channel().hasAttr(RAW_CLIENT)) {
      raw.remove(ctx.channel(), ctx.channel().isWritable());
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private static void text(ChannelHandlerContext ctx, HttpRequest request, int status, String text) {
    reply(ctx, request, new ExampleApp.Reply(status, "text/plain; charset=utf-8",
        (text + "\n").getBytes(StandardCharsets.UTF_8), Map.of()));
  }

  private static void reply(ChannelHandlerContext ctx, HttpRequest request, ExampleApp.Reply reply) {
    FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
        HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
    reply.headers().forEach((name, value) -> response.headers().set(name, value));
    HttpUtil.setContentLength(response, reply.body().length);
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    HttpUtil.setKeepAlive(response, keepAlive);
    ctx.writeAndFlush(response).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE
        : ChannelFutureListener.CLOSE);
  }
}
