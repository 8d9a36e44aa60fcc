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
 * A handler that closes a connection whose next request does not arrive in time, head and body: the first
 * request must be read to its end within the timeout of the connection opening, and each next one within the
 * timeout of the previous response's end. While a response is being written, a stream however long included, no
 * timeout runs.
 *
 * <p>Netty reads requests with no deadline of its own, so without this (or a handler like it) a client that
 * connects and sends nothing, a few bytes of a head, or a head that announces a body and then sends it a byte at
 * a time, holds a connection (and what the pipeline buffers for it) for as long as it likes: a handful of such
 * clients per second exhausts the server's file descriptors. Servlet containers have a timeout like it built in
 * (Tomcat's {@code connectionTimeout}, Jetty's idle timeout), though theirs restarts on every byte. It goes right
 * after the HTTP codec:
 *
 * <pre>{@code
 * p.addLast(new HttpServerCodec());
 * p.addLast(new RequestHeadTimeoutHandler(Duration.ofSeconds(10)));
 * p.addLast(new SseHandler("/events", broadcaster));
 * p.addLast(new YourOtherRoutes());
 * }</pre>
 *
 * <p>A request counts as read when its last part ({@link LastHttpContent}) arrives, and as answered when the last
 * part of its response is written ({@link LastHttpContent}, which a {@code FullHttpResponse} is). The timeout runs
 * while the connection waits for a request, or for the rest of a request's body, and no response is being
 * written; one deadline covers a request's head and body together. A response answered before its request's body
 * ended (a {@code 413}, say) leaves that body under the deadline. Requests pipelined behind one another are
 * counted, so the timeout starts again only when every request read so far has its response. A timed-out
 * connection is closed without a response, as the servlet containers do; it is logged at debug level.
 *
 * <p><b>Threading and ownership.</b> The handler keeps per-connection state: add a new instance to each
 * connection's pipeline, in the {@code ChannelInitializer}. Everything runs on the connection's event loop.
 */
public final class RequestHeadTimeoutHandler extends ChannelDuplexHandler {
  private static final Logger log = LoggerFactory.getLogger(RequestHeadTimeoutHandler.class);

  private final long timeoutNanos;
  /** Requests whose head was read and whose response has not been written to its end. */
  private int unanswered;
  /** A request head was read and the last part of its body was not. */
  private boolean bodyPending;
  /** Whether a response, perhaps a stream, is under way. */
  private final ResponseProgress response = new ResponseProgress();
  private @Nullable ScheduledFuture<?> timer;

  /**
   * Makes a handler with this timeout.
   *
   * @param timeout how long a connection may wait for its next request, head and body
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
      update(ctx);
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
    update(ctx);
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
   * Stops the timeout when a request has arrived to its end, and passes every message on.
   *
   * @param ctx this handler's context
   * @param msg the inbound message
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      unanswered++;
      bodyPending = true;
    }
    if (msg instanceof LastHttpContent && bodyPending) {
      bodyPending = false;
      if (unanswered == 0) {
        // Answered before its body ended: the wait for the next request starts now.
        disarm();
      }
    }
    update(ctx);
    ctx.fireChannelRead(msg);
  }

  /**
   * Stops the timeout while a response is written, and starts it again once every request read has the end of its
   * response written; passes every message on.
   *
   * @param ctx this handler's context
   * @param msg the outbound message
   * @param promise the write's promise
   */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (response.wrote(msg)) {
      if (unanswered > 0 && --unanswered == 0 && !bodyPending) {
        // Every request read is answered: the wait for the next one starts now.
        disarm();
      }
    }
    update(ctx);
    ctx.write(msg, promise);
  }

  /**
   * Whether the connection is waiting on its client: for a next request, or for the rest of one, with no response
   * being written.
   */
  private boolean waitingOnClient() {
    return !response.responding() && (unanswered == 0 || bodyPending);
  }

  /** Starts the timeout when the connection begins to wait on its client, and stops it when it no longer does. */
  private void update(ChannelHandlerContext ctx) {
    if (!waitingOnClient()) {
      disarm();
    } else if (timer == null) {
      arm(ctx);
    }
  }

  private void arm(ChannelHandlerContext ctx) {
    timer = ctx.executor().schedule(() -> {
      timer = null;
      if (waitingOnClient() && ctx.channel().isActive()) {
        log.debug("no complete request arrived on {} within {} ms; closing it", ctx.channel(),
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
