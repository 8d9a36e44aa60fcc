package dev.herald.sse.examples;

import dev.herald.sse.netty.BadRequestHandler;
import dev.herald.sse.netty.RequestHeadTimeoutHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.time.Duration;
import reactor.netty.NettyPipeline;

/**
 * Puts sse-netty's HTTP/1.1 guards on a Reactor Netty connection that speaks HTTP/1.1, and only there: a deadline
 * for a request's head and body ({@link RequestHeadTimeoutHandler}) and the answer to a request the codec marked
 * malformed ({@link BadRequestHandler}), right after the HTTP/1.1 codec. Reactor Netty reads a request head with no
 * deadline, and serves what its codec marked malformed as it serves any other request.
 *
 * <p>What the pipeline holds when {@code doOnChannelInit} runs depends on the protocols the server speaks:
 * <ul>
 *   <li>HTTP/1.1 alone: the {@link HttpServerCodec} as {@link NettyPipeline#HttpCodec}. The guards go after it.
 *   <li>h2c beside HTTP/1.1: a cleartext upgrade handler that has put an {@link HttpServerCodec} and an
 *       {@link HttpServerUpgradeHandler} after itself, under names of Netty's making. The guards go after the
 *       upgrade handler, and leave when the connection turns to HTTP/2 (by prior knowledge or {@code Upgrade: h2c}),
 *       where the codec is gone: HTTP/2 frames are not HTTP/1.1 requests, and a deadline waiting for one would cut
 *       the connection.
 *   <li>TLS with ALPN: no codec yet. Once the handshake picked a protocol, Reactor Netty has put the HTTP/1.1 codec
 *       as {@link NettyPipeline#HttpCodec} (or, for h2, its HTTP/2 codec under the same name), and the guards go
 *       after an {@link HttpServerCodec} only.
 * </ul>
 *
 * <p><b>Threading.</b> Called from {@code doOnChannelInit} and run on the connection's event loop.
 */
final class Http1Guards extends ChannelInboundHandlerAdapter {
  private static final String TIMEOUT = "herald.timeout";
  private static final String BAD_REQUEST = "herald.badRequest";
  private static final String GUARDS = "herald.http1Guards";

  private final Duration requestTimeout;
  /** Waiting for the TLS handshake to pick a protocol; otherwise, watching for the HTTP/1.1 codec to leave. */
  private final boolean alpn;

  private Http1Guards(Duration requestTimeout, boolean alpn) {
    this.requestTimeout = requestTimeout;
    this.alpn = alpn;
  }

  /**
   * Puts the guards on a connection whose pipeline Reactor Netty has just made, or arranges for them to be put
   * there once the connection's protocol is known.
   *
   * @param pipeline the connection's pipeline, from {@code doOnChannelInit}
   * @param requestTimeout how long a client may take to send a request, head and body
   */
  static void install(ChannelPipeline pipeline, Duration requestTimeout) {
    ChannelHandlerContext upgrade = pipeline.context(HttpServerUpgradeHandler.class);
    if (upgrade != null) {
      addGuardsAfter(pipeline, upgrade.name(), requestTimeout);
      pipeline.addAfter(BAD_REQUEST, GUARDS, new Http1Guards(requestTimeout, false));
    } else if (pipeline.get(NettyPipeline.H2OrHttp11Codec) != null) {
      pipeline.addAfter(NettyPipeline.H2OrHttp11Codec, GUARDS, new Http1Guards(requestTimeout, true));
    } else if (pipeline.get(NettyPipeline.HttpCodec) instanceof HttpServerCodec) {
      addGuardsAfter(pipeline, NettyPipeline.HttpCodec, requestTimeout);
    }
  }

  private static void addGuardsAfter(ChannelPipeline pipeline, String codec, Duration requestTimeout) {
    pipeline.addAfter(codec, TIMEOUT, new RequestHeadTimeoutHandler(requestTimeout))
        .addAfter(TIMEOUT, BAD_REQUEST, new BadRequestHandler());
  }

  /**
   * After an ALPN handshake: adds the guards if the connection speaks HTTP/1.1. After an h2c upgrade (its event, or
   * any event once the HTTP/1.1 codec has left): removes them.
   */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    ChannelPipeline pipeline = ctx.pipeline();
    if (alpn) {
      if (evt instanceof SslHandshakeCompletionEvent) {
        if (pipeline.get(NettyPipeline.HttpCodec) instanceof HttpServerCodec) {
          addGuardsAfter(pipeline, NettyPipeline.HttpCodec, requestTimeout);
        }
        pipeline.remove(this);
      }
    } else if (pipeline.get(HttpServerCodec.class) == null) {
      // The connection now speaks HTTP/2, whose streams have pipelines of their own.
      pipeline.remove(TIMEOUT);
      pipeline.remove(BAD_REQUEST);
      pipeline.remove(this);
    }
    ctx.fireUserEventTriggered(evt);
  }
}
