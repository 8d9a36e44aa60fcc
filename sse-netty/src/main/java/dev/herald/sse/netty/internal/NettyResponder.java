package dev.herald.sse.netty.internal;

import dev.herald.sse.core.Handshake;
import dev.herald.sse.core.SseRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link Handshake}'s answer onto a Netty connection: the status and headers, then a refusal's body or the
 * stream, which a {@link NettyStream} serves. It decides nothing about the request but what only the connection
 * knows: whether the codec could read it, and how the response is framed (chunks on HTTP/1.1, the connection's end
 * on HTTP/1.0) and whether the connection stays open after it. Anything here can change at any time.
 */
public final class NettyResponder {
  private static final Logger log = LoggerFactory.getLogger(NettyResponder.class);

  private NettyResponder() {}

  /** What the responder needs from the request, read at once so the caller may release it. */
  record Request(
      SseRequest view,
      HttpVersion version,
      boolean keepAlive,
      boolean complete,
      @Nullable HttpResponseStatus malformed) {

    static Request of(HttpRequest request, @Nullable SocketAddress remote) {
      return new Request(
          new RequestView(request.method().name(), request.uri(), request.headers(),
              remote instanceof InetSocketAddress inet && inet.getAddress() != null
                  ? inet.getAddress().getHostAddress() : null),
          request.protocolVersion(),
          HttpUtil.isKeepAlive(request),
          request instanceof LastHttpContent,
          malformed(request.decoderResult()));
    }

    /** The status for a request HttpServerCodec could not read, or {@code null} if it read it. */
    private static @Nullable HttpResponseStatus malformed(DecoderResult result) {
      if (!result.isFailure()) {
        return null;
      }
      // Headers beyond the decoder's limit (8 KiB by default) deserve the status that says so (RFC 6585).
      return result.cause() instanceof TooLongHttpHeaderException
          ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE : HttpResponseStatus.BAD_REQUEST;
    }

    /** HTTP/1.1 delimits the stream with chunks; HTTP/1.0 has none and ends it by closing the connection. */
    boolean chunked() {
      return !HttpVersion.HTTP_1_0.equals(version);
    }
  }

  /**
   * The request's method, target and headers as the handshake reads them. Netty's headers are a plain object, not
   * part of the reference-counted message, so they stay readable after the caller releases the request.
   */
  private record RequestView(String method, String uri, HttpHeaders headers, @Nullable String remoteAddress)
      implements SseRequest {
    @Override
    public List<String> headers(String name) {
      return headers.getAll(name);
    }

    @Override
    public @Nullable String header(String name) {
      return headers.get(name);
    }

    @Override
    public String path() {
      return new QueryStringDecoder(uri).rawPath();
    }

    @Override
    public List<String> queryParameters(String name) {
      // Decoded as a servlet container does: UTF-8, '+' as a space; at most the decoder's 1,024 parameters.
      List<String> values = new QueryStringDecoder(uri).parameters().get(name);
      return values == null ? List.of() : values;
    }
  }

  /**
   * Answers a request as the handshake decides; see {@link dev.herald.sse.netty.NettySse} for what each request
   * gets.
   *
   * @param ctx the context of the handler that took the request
   * @param request the request; read at once, not retained, not released
   * @param handshake what decides the answer
   */
  public static void serve(ChannelHandlerContext ctx, HttpRequest request, Handshake handshake) {
    Request r = Request.of(request, ctx.channel().remoteAddress());
    EventLoop loop = ctx.channel().eventLoop();
    if (loop.inEventLoop()) {
      answer(ctx, r, handshake);
    } else {
      loop.execute(() -> answer(ctx, r, handshake));
    }
  }

  private static void answer(ChannelHandlerContext ctx, Request r, Handshake handshake) {
    if (!ctx.channel().isActive()) {
      log.debug("the client left before its stream opened");
      return;
    }
    HttpResponseStatus malformed = r.malformed();
    if (malformed != null) {
      // HttpServerCodec could not read the request: nothing after it on this connection can be trusted either.
      FullHttpResponse response = new DefaultFullHttpResponse(r.version(), malformed, Unpooled.EMPTY_BUFFER);
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
      HttpUtil.setKeepAlive(response.headers(), r.version(), false);
      respond(ctx, r, response, false);
      return;
    }
    Handshake.Answer answer = handshake.answer(r.view());
    HttpResponseStatus status = HttpResponseStatus.valueOf(answer.status());
    if (answer instanceof Handshake.Open open) {
      HttpResponse response = new DefaultHttpResponse(r.version(), status);
      headers(response.headers(), answer, r);
      NettyStream handler = new NettyStream(open.channel(), r.keepAlive() && r.chunked(), r.complete(),
          handshake.config().closeGrace());
      ctx.pipeline().addBefore(ctx.name(), null, handler);
      handler.start(response, open);
      return;
    }
    FullHttpResponse response;
    boolean keepAlive = r.keepAlive();
    if (answer instanceof Handshake.Refusal refusal) {
      // A HEAD's refusal has the GET's headers and no body. HttpServerCodec would drop the body on HTTP/1.1, but an
      // HTTP/2 stream's codec does not know the method, and a body there would be DATA after a HEAD (RFC 9113,
      // section 8.1.1), which clients reject.
      boolean head = r.view().method().equals("HEAD");
      response = new DefaultFullHttpResponse(r.version(), status,
          head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(refusal.body()));
      headers(response.headers(), answer, null);
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, refusal.body().length);
    } else {
      // Headers only. For HEAD, the headers a GET would get (HttpServerCodec knows a HEAD response has no body);
      // on HTTP/1.0 that response has no length, so only the connection's end can delimit it.
      response = new DefaultFullHttpResponse(r.version(), status, Unpooled.EMPTY_BUFFER);
      boolean stream = status.equals(HttpResponseStatus.OK);
      headers(response.headers(), answer, stream ? r : null);
      keepAlive &= !stream || r.chunked();
    }
    HttpUtil.setKeepAlive(response.headers(), r.version(), keepAlive);
    respond(ctx, r, response, keepAlive);
  }

  /** Copies the answer's headers; a stream's also say how it is framed on this connection. */
  private static void headers(HttpHeaders headers, Handshake.Answer answer, @Nullable Request stream) {
    answer.headers().forEach(headers::set);
    if (stream != null && stream.chunked()) {
      headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
  }

  private static void respond(ChannelHandlerContext ctx, Request r, FullHttpResponse response, boolean keepAlive) {
    if (keepAlive && !r.complete()) {
      // The request's body is still to come: swallow it, so the next handler sees the next request, not it.
      ctx.pipeline().addBefore(ctx.name(), null, new NettyStream());
    }
    if (keepAlive) {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
