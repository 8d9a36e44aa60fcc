package dev.herald.sse.servlet;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Sender;
import dev.herald.sse.core.Handshake;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.servlet.internal.ServletResponder;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Answers a servlet request with a Server-Sent Events stream: from a {@link Broadcaster}, or to a single client
 * through its {@link Sender}. Works wherever the raw request and response are at hand: a servlet's
 * {@code doGet}, a filter, or a Spring MVC controller method.
 *
 * <pre>{@code
 * @WebServlet(urlPatterns = "/events", asyncSupported = true)
 * public class EventsServlet extends HttpServlet {
 *   static final Broadcaster BROADCASTER = Broadcasters.create();
 *
 *   @Override
 *   protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
 *     ServletSse.serve(request, response, BROADCASTER);
 *   }
 * }
 * // anywhere else: BROADCASTER.broadcast(Data.of("hello"));
 * }</pre>
 *
 * <p>Every request is answered as the {@link Handshake} decides, the same on every transport: {@code GET} gets a
 * stream ({@code 200}, {@code Content-Type: text/event-stream; charset=utf-8}, {@code Cache-Control: no-cache},
 * {@code X-Accel-Buffering: no}, no {@code Content-Length}, headers flushed at once so the client sees the stream
 * open, and a replay from its {@code Last-Event-ID}); {@code HEAD} gets the same headers and subscribes nobody
 * (Spring's {@code @GetMapping} and {@code HttpServlet.doHead} both send {@code HEAD} here); {@code OPTIONS} gets
 * {@code 204} and other methods {@code 405}, both with {@code Allow}; an {@code Accept} that excludes
 * {@code text/event-stream} gets {@code 406}; a closed broadcaster or one at its client limit {@code 503} (the
 * latter with {@code Retry-After}).
 *
 * <p><b>Threading and ownership.</b> The methods return at once, leaving the request in async mode with no
 * container timeout; no thread waits for the client. Writes are non-blocking and run on the container's threads,
 * only when the response can take them. The stream owns the request from then on: it completes the response when
 * the stream ends (the application closes the {@link Sender} or the {@link Broadcaster}, the client reads too
 * slowly for its overflow policy, or the client goes away). The caller must not write to the response or complete
 * the request itself. The application owns the broadcaster and closes it.
 *
 * <p><b>Finding clients that left.</b> A failed write or the container's {@code AsyncListener} error ends the
 * client in the engine at once. But servlet containers (Jetty and Tomcat alike) do not watch the socket of an
 * async request that is neither reading nor writing, so a client that leaves an idle stream is found by the next
 * write: an event, or the broadcaster's heartbeat. (A {@code ReadListener} does not help: both report the end of
 * a {@code GET}'s empty body and stop reading the socket.) Keep the heartbeat on (the default is 15 s) and shorter than
 * the container's idle timeout.
 *
 * <p><b>Close grace.</b> When the server ends a stream (closing the {@link Sender} or the {@link Broadcaster}), what
 * is queued is written first. A client that has stopped reading gets the close grace
 * ({@link StreamConfig.Builder#closeGrace}) to take it; then the rest is
 * dropped and the response completed. The container then closes the connection when its own pending write ends
 * or hits the container's write or idle timeout: the Servlet API has no way to abort a connection.
 */
public final class ServletSse {
  private ServletSse() {}

  /**
   * Answers the request with a stream of the broadcaster's events, with the {@linkplain StreamConfig#defaults()
   * default settings}.
   *
   * @param request the request; its servlet (and filters) must be {@code asyncSupported}
   * @param response the response, not yet committed
   * @param broadcaster the broadcaster that subscribes the client
   * @return {@code true} if a stream is open; {@code false} if the request was answered otherwise (headers only,
   *     or a refusal)
   * @throws IllegalStateException if the request does not support async processing
   * @throws IOException if the response cannot be written
   */
  public static boolean serve(HttpServletRequest request, HttpServletResponse response, Broadcaster broadcaster)
      throws IOException {
    return serve(request, response, broadcaster, StreamConfig.defaults());
  }

  /**
   * Answers the request with a stream of the broadcaster's events.
   *
   * @param request the request; its servlet (and filters) must be {@code asyncSupported}
   * @param response the response, not yet committed
   * @param broadcaster the broadcaster that subscribes the client
   * @param config how the stream is served (close grace, {@code Retry-After})
   * @return {@code true} if a stream is open; {@code false} if the request was answered otherwise (headers only,
   *     or a refusal)
   * @throws IllegalStateException if the request does not support async processing
   * @throws IOException if the response cannot be written
   */
  public static boolean serve(
      HttpServletRequest request, HttpServletResponse response, Broadcaster broadcaster, StreamConfig config)
      throws IOException {
    return ServletResponder.respond(request, response, Handshake.of(broadcaster, config));
  }

  /**
   * Answers the request with a stream to this one client, with the {@linkplain StreamConfig#defaults() default
   * settings}.
   *
   * @param request the request; its servlet (and filters) must be {@code asyncSupported}
   * @param response the response, not yet committed
   * @param onOpen given the client's sender once the stream is open; see
   *     {@link #stream(HttpServletRequest, HttpServletResponse, StreamConfig, Consumer)}
   * @return {@code true} if a stream is open; {@code false} if the request was answered otherwise
   * @throws IllegalStateException if the request does not support async processing
   * @throws IOException if the response cannot be written
   */
  public static boolean stream(
      HttpServletRequest request, HttpServletResponse response, Consumer<? super Sender> onOpen) throws IOException {
    return stream(request, response, StreamConfig.defaults(), onOpen);
  }

  /**
   * Answers the request with a stream to this one client.
   *
   * <p>{@code onOpen} runs on the calling thread before this method returns, and only for a request that opens a
   * stream (not for a {@code HEAD} or a refusal). It may send at once or keep the sender and send later from any
   * thread, and closes it to end the stream. If it throws, the stream ends with {@link CloseReason#ERROR} and the
   * exception is logged.
   *
   * @param request the request; its servlet (and filters) must be {@code asyncSupported}
   * @param response the response, not yet committed
   * @param config how the stream is served: its queue limits, heartbeat and close grace
   * @param onOpen given the client's sender once the stream is open
   * @return {@code true} if a stream is open; {@code false} if the request was answered otherwise
   * @throws IllegalStateException if the request does not support async processing
   * @throws IOException if the response cannot be written
   */
  public static boolean stream(
      HttpServletRequest request, HttpServletResponse response, StreamConfig config,
      Consumer<? super Sender> onOpen) throws IOException {
    requireNonNull(onOpen, "onOpen");
    return ServletResponder.respond(request, response, Handshake.of(config, onOpen));
  }
}
