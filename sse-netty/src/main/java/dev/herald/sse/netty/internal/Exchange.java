package dev.herald.sse.netty.internal;

import dev.herald.sse.Sender;
import dev.herald.sse.TooManyClientsException;
import dev.herald.sse.netty.NettySseConfig;
import dev.herald.sse.spi.SseChannel;
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
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.AsciiString;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one request for a stream: the event stream itself, or the status that refuses it.
 */
public final class Exchange {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);
  private static final AsciiString EVENT_STREAM_UTF8 = AsciiString.cached("text/event-stream; charset=utf-8");
  private static final AsciiString X_ACCEL_BUFFERING = AsciiString.cached("x-accel-buffering");
  private static final AsciiString NO = AsciiString.cached("no");
  private static final AsciiString LAST_EVENT_ID = AsciiString.cached("last-event-id");
  private static final AsciiString GET_HEAD = AsciiString.cached("GET, HEAD");

  private Exchange() {}

  /** Where a request's stream comes from: a broadcaster's new subscription, or a standalone channel. */
  public interface Source {

    /**
     * Tells whether this source refuses every new client for good (a closed broadcaster).
     *
     * @return {@code true} if no stream can be opened
     */
    boolean isClosed();

    /**
     * Opens the client's channel.
     *
     * @param lastEventId the client's {@code Last-Event-ID}, or {@code null}
     * @return the new channel, not started
     * @throws TooManyClientsException if the source is at its client limit
     * @throws IllegalStateException if the source is closed
     */
    SseChannel open(@Nullable String lastEventId);

    /**
     * Hands the application its sender once the stream is open, on the connection's event loop.
     *
     * @param sender the new client's sender
     */
    void opened(Sender sender);
  }

  /** What the exchange needs from the request, read at once so the caller may release it. */
  record Request(
      HttpMethod method,
      HttpVersion version,
      boolean keepAlive,
      @Nullable String lastEventId,
      boolean acceptable,
      boolean complete,
      @Nullable HttpResponseStatus malformed) {

    static Request of(HttpRequest request) {
      String lastEventId = request.headers().get(LAST_EVENT_ID);
      return new Request(
          request.method(),
          request.protocolVersion(),
          HttpUtil.isKeepAlive(request),
          lastEventId == null || lastEventId.isEmpty() ? null : lastEventId,
          AcceptHeader.allowsEventStream(request.headers().getAll(HttpHeaderNames.ACCEPT)),
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

    /** The same request, as one after which the connection must close. */
    Request closing() {
      return new Request(method, version, false, lastEventId, acceptable, complete, malformed);
    }

    /** HTTP/1.1 delimits the stream with chunks; HTTP/1.0 has none and ends it by closing the connection. */
    boolean chunked() {
      return !HttpVersion.HTTP_1_0.equals(version);
    }
  }

  /**
   * Answers a request with a stream from a source, or with the status that refuses it; see
   * {@link dev.herald.sse.netty.NettySse} for what each request gets.
   *
   * @param ctx the context of the handler that took the request
   * @param request the request; read at once, not retained, not released
   * @param source where the stream comes from
   * @param config the transport's settings
   */
  public static void serve(ChannelHandlerContext ctx, HttpRequest request, Source source, NettySseConfig config) {
    Request r = Request.of(request);
    EventLoop loop = ctx.channel().eventLoop();
    if (loop.inEventLoop()) {
      answer(ctx, r, source, config);
    } else {
      loop.execute(() -> answer(ctx, r, source, config));
    }
  }

  private static void answer(ChannelHandlerContext ctx, Request r, Source source, NettySseConfig config) {
    if (!ctx.channel().isActive()) {
      log.debug("the client left before its stream opened");
      return;
    }
    HttpResponseStatus malformed = r.malformed();
    if (malformed != null) {
      // HttpServerCodec could not read the request: nothing after it on this connection can be trusted either.
      refuse(ctx, r.closing(), malformed, null, null);
      return;
    }
    boolean head = HttpMethod.HEAD.equals(r.method());
    if (!head && !HttpMethod.GET.equals(r.method())) {
      refuse(ctx, r, HttpResponseStatus.METHOD_NOT_ALLOWED, HttpHeaderNames.ALLOW, GET_HEAD);
      return;
    }
    if (!r.acceptable()) {
      refuse(ctx, r, HttpResponseStatus.NOT_ACCEPTABLE, null, null);
      return;
    }
    if (source.isClosed()) {
      refuse(ctx, r, HttpResponseStatus.SERVICE_UNAVAILABLE, null, null);
      return;
    }
    if (head) {
      // The headers a GET would get, and no body (HttpServerCodec knows a HEAD response has none).
      FullHttpResponse response = new DefaultFullHttpResponse(r.version(), HttpResponseStatus.OK,
          Unpooled.EMPTY_BUFFER);
      eventStreamHeaders(response.headers(), r);
      respond(ctx, r, response, r.keepAlive() && r.chunked());
      return;
    }
    SseChannel stream;
    try {
      stream = source.open(r.lastEventId());
    } catch (TooManyClientsException e) {
      log.debug("refusing a client: {}", e.getMessage());
      refuse(ctx, r, HttpResponseStatus.SERVICE_UNAVAILABLE, HttpHeaderNames.RETRY_AFTER,
          Long.toString(config.retryAfter().getSeconds()));
      return;
    } catch (IllegalStateException e) {
      if (!source.isClosed()) {
        throw e;
      }
      refuse(ctx, r, HttpResponseStatus.SERVICE_UNAVAILABLE, null, null); // closed between the check and now
      return;
    }
    HttpResponse response = new DefaultHttpResponse(r.version(), HttpResponseStatus.OK);
    eventStreamHeaders(response.headers(), r);
    ExchangeHandler handler = new ExchangeHandler(stream, source, r.keepAlive() && r.chunked(), r.complete(),
        config.closeGrace());
    ctx.pipeline().addBefore(ctx.name(), null, handler);
    handler.start(response);
  }

  private static void eventStreamHeaders(HttpHeaders headers, Request r) {
    headers.set(HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM_UTF8)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
        .set(X_ACCEL_BUFFERING, NO);
    if (r.chunked()) {
      headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
  }

  private static void refuse(ChannelHandlerContext ctx, Request r, HttpResponseStatus status,
      @Nullable CharSequence header, @Nullable CharSequence value) {
    FullHttpResponse response = new DefaultFullHttpResponse(r.version(), status, Unpooled.EMPTY_BUFFER);
    if (header != null && value != null) {
      response.headers().set(header, value);
    }
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    HttpUtil.setKeepAlive(response.headers(), r.version(), r.keepAlive());
    respond(ctx, r, response, r.keepAlive());
  }

  private static void respond(ChannelHandlerContext ctx, Request r, FullHttpResponse response, boolean keepAlive) {
    if (keepAlive && !r.complete()) {
      // The request's body is still to come: swallow it, so the next handler sees the next request, not it.
      ctx.pipeline().addBefore(ctx.name(), null, new ExchangeHandler());
    }
    if (keepAlive) {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
