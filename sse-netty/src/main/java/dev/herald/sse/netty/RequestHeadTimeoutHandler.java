package dev.herald.sse.netty;

import static java.util.Objects.requireNonNull;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A handler that closes a connection whose next request does not arrive in time: the first request's head must
 * arrive within the timeout of the connection opening, and each next one's within the timeout of the previous
 * response's end. While a request is being answered, a stream however long included, no timeout runs.
 *
 * <p>Netty reads request heads with no deadline of its own, so without this (or a handler like it) a client that
 * connects and sends nothing, or a few bytes, holds a connection for as long as it likes: a handful of such
 * clients per second exhausts the server's file descriptors. Servlet containers have this timeout built in
 * (Tomcat's {@code connectionTimeout}, Jetty's idle timeout). It goes right after the HTTP codec:
 *
 * <pre>{@code
 * p.addLast(new HttpServerCodec());
 * p.addLast(new RequestHeadTimeoutHandler(Duration.ofSeconds(10)));
 * p.addLast(new SseHandler("/events", broadcaster));
 * p.addLast(new YourOtherRoutes());
 * }</pre>
 *
 * <p>A request counts as answered when the last part of its response ({@link LastHttpContent}, which a
 * {@code FullHttpResponse} is) is written. Requests pipelined behind one another are counted, so the timeout starts
 * only when every request read so far has its response. A timed-out connection is closed without a response, as
 * the servlet containers do; it is logged at debug level.
 *
 * <p><b>Threading and ownership.</b> The handler keeps per-connection state: add a new instance to each
 * connection's pipeline, in the {@code ChannelInitializer}. Everything runs on the connection's event loop.
 */
public final class RequestHeadTimeoutHandler extends ChannelDuplexHandler {
  private static final Logger log = LoggerFactory.getLogger(RequestHeadTimeoutHandler.class);

  private final long timeoutNanos;
  /** Requests read whose response has not been written to its end. */
  private int unanswered;
  private @Nullable ScheduledFuture<?> timer;

  /**
   * Makes a handler with this timeout.
   *
   * @param timeout how long a connection may wait for its next request head
   * @throws IllegalArgumentException if the timeout is not positive
   */
  public RequestHeadTimeoutHandler(Duration timeout) {
    requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.timeoutNanos = timeout.toNanos();
  }

  /**
   * Starts the timeout if the connection is already open when the handler is added.
   *
   * @param ctx this handler's context
   */
  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
      arm(ctx);
    }
  }

  /**
   * Stops the timeout when the handler leaves the pipeline.
   *
   * @param ctx this handler's context
   */
  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    disarm();
  }

  /**
   * Starts the timeout for the first request.
   *
   * @param ctx this handler's context
   */
  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    arm(ctx);
    ctx.fireChannelActive();
  }

  /**
   * Stops the timeout.
   *
   * @param ctx this handler's context
   */
  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    disarm();
    ctx.fireChannelInactive();
  }

  /**
   * Stops the timeout when a request head arrives, and passes every message on.
   *
   * @param ctx this handler's context
   * @param msg the inbound message
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      unanswered++;
      disarm();
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * Starts the timeout again once every request read has the end of its response written, and passes every
   * message on.
   *
   * @param ctx this handler's context
   * @param msg the outbound message
   * @param promise the write's promise
   */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof LastHttpContent && unanswered > 0 && --unanswered == 0) {
      arm(ctx);
    }
    ctx.write(msg, promise);
  }

  private void arm(ChannelHandlerContext ctx) {
    if (timer != null || unanswered > 0) {
      return;
    }
    timer = ctx.executor().schedule(() -> {
      timer = null;
      if (unanswered == 0 && ctx.channel().isActive()) {
        log.debug("no request arrived on {} within {} ms; closing it", ctx.channel(),
            TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        ctx.close();
      }
    }, timeoutNanos, TimeUnit.NANOSECONDS);
  }

  private void disarm() {
    ScheduledFuture<?> current = timer;
    if (current != null) {
      timer = null;
      current.cancel(false);
    }
  }
}
