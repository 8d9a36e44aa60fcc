package dev.herald.sse.netty;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A handler that answers every request the HTTP codec could not read, or that is not an HTTP/1.x request a server
 * may take, with the status that says why, and closes the connection; every other message goes on untouched.
 *
 * <p>{@code HttpServerCodec} does not refuse a malformed request: it marks it ({@link DecoderResult}) and passes it
 * on, and an {@code HttpObjectAggregator} passes the mark on too. A router that does not look serves a request
 * with {@code Content-Length: -1}, a bad chunk size or a request line cut at the decoder's limit as a valid one,
 * with an empty or partial body. This handler looks, once, for every route behind it:
 *
 * <table>
 *   <caption>What is refused</caption>
 *   <tr><th>request</th><th>answer</th></tr>
 *   <tr><td>a request line over the decoder's limit (4 KiB by default)</td><td>{@code 414}</td></tr>
 *   <tr><td>headers over the decoder's limit (8 KiB by default)</td><td>{@code 431}</td></tr>
 *   <tr><td>any other head the codec flagged (a bad or repeated {@code Content-Length}, a space before a
 *     colon, a bad method or version), a bad chunk size or a body cut short</td><td>{@code 400}</td></tr>
 *   <tr><td>{@code Transfer-Encoding} on HTTP/1.0, which has no chunked coding (RFC 9112, section
 *     6.1)</td><td>{@code 400}</td></tr>
 *   <tr><td>a target that is neither a path, an absolute URI nor {@code *} for {@code OPTIONS}</td><td>{@code 400}
 *     </td></tr>
 *   <tr><td>a version other than HTTP/1.0 and HTTP/1.1, the HTTP/2 preface included</td><td>{@code 505}</td></tr>
 * </table>
 *
 * <p>Nothing after a malformed request on the same connection can be trusted, so the answer closes the connection
 * and whatever else the client sent is dropped. A body that fails after its response has begun (a stream) only
 * closes the connection. Absolute-form targets ({@code GET http://host/path}), which RFC 9112 says a server must
 * accept, go on as they came: the routes behind read their path. Each refusal is logged at debug level: a client
 * that sends garbage is expected, not a fault of the server. It goes right after the codec, and after a
 * {@link RequestHeadTimeoutHandler} if there is one:
 *
 * <pre>{@code
 * p.addLast(new HttpServerCodec());
 * p.addLast(new RequestHeadTimeoutHandler(Duration.ofSeconds(30)));
 * p.addLast(new BadRequestHandler());
 * p.addLast(new HttpObjectAggregator(65536));   // if your routes want whole bodies
 * p.addLast(new SseHandler("/events", broadcaster));
 * p.addLast(new YourOtherRoutes());
 * }</pre>
 *
 * <p><b>Threading and ownership.</b> The handler keeps per-connection state (whether a response is under way): add
 * a new instance to each connection's pipeline, in the {@code ChannelInitializer}. Everything runs on the
 * connection's event loop.
 */
public final class BadRequestHandler extends ChannelDuplexHandler {
  private static final Logger log = LoggerFactory.getLogger(BadRequestHandler.class);

  private final ResponseProgress response = new ResponseProgress();
  /** A request was refused: the connection is closing and everything read from now on is dropped. */
  private boolean refused;

  /** Makes a handler for one connection. */
  public BadRequestHandler() {}

  /**
   * Refuses a malformed request or body, drops what follows a refusal, and passes everything else on.
   *
   * @param ctx this handler's context
   * @param msg the inbound message
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    @Nullable Refusal refusal = msg instanceof HttpRequest request ? refusal(request)
        : msg instanceof HttpContent content ? refusal(content.decoderResult()) : null;
    if (refusal == null) {
      ctx.fireChannelRead(msg);
      return;
    }
    ReferenceCountUtil.release(msg);
    refused = true;
    log.debug("refusing a request on {} with {}: {}", ctx.channel(), refusal.status().code(), refusal.reason());
    if (response.responding() || !ctx.channel().isActive()) {
      // A response is under way (a stream whose request body failed), or nobody is left to tell.
      ctx.close();
      return;
    }
    FullHttpResponse answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, refusal.status(),
        Unpooled.copiedBuffer(refusal.status().code() + " " + refusal.reason() + "\n", UTF_8));
    answer.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, answer.content().readableBytes())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Notes whether a response is under way, and passes every message on.
   *
   * @param ctx this handler's context
   * @param msg the outbound message
   * @param promise the write's promise
   */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    response.wrote(msg);
    ctx.write(msg, promise);
  }

  /** Why a request is refused. */
  private record Refusal(HttpResponseStatus status, String reason) {}

  private static @Nullable Refusal refusal(HttpRequest request) {
    Refusal malformed = refusal(request.decoderResult());
    if (malformed != null) {
      return malformed;
    }
    HttpVersion version = request.protocolVersion();
    if (!version.protocolName().equals("HTTP") || version.majorVersion() != 1) {
      return new Refusal(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "only HTTP/1.0 and HTTP/1.1 are served");
    }
    if (version.minorVersion() == 0 && request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
      return new Refusal(HttpResponseStatus.BAD_REQUEST, "HTTP/1.0 has no Transfer-Encoding");
    }
    if (!validTarget(request.method(), request.uri())) {
      return new Refusal(HttpResponseStatus.BAD_REQUEST, "the request target is not a path");
    }
    return null;
  }

  private static @Nullable Refusal refusal(DecoderResult result) {
    if (!result.isFailure()) {
      return null;
    }
    Throwable cause = result.cause();
    if (cause instanceof TooLongHttpLineException) {
      return new Refusal(HttpResponseStatus.REQUEST_URI_TOO_LONG, "the request line is too long");
    }
    if (cause instanceof TooLongHttpHeaderException) {
      // RFC 6585: the status that says the headers, not the request, are too large.
      return new Refusal(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "the request headers are too large");
    }
    return new Refusal(HttpResponseStatus.BAD_REQUEST, "malformed request");
  }

  /** Origin-form ({@code /path}), absolute-form ({@code http://host/path}) or asterisk-form for OPTIONS. */
  private static boolean validTarget(HttpMethod method, String target) {
    if (target.startsWith("/")) {
      return true;
    }
    if (target.equals("*")) {
      return method.equals(HttpMethod.OPTIONS);
    }
    String lower = target.toLowerCase(Locale.ROOT);
    return lower.startsWith("http://") || lower.startsWith("https://");
  }
}
