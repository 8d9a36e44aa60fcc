package dev.herald.sse.servlet;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Sender;
import dev.herald.sse.TooManyClientsException;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.Channels;
import dev.herald.sse.servlet.internal.AsyncStream;
import dev.herald.sse.spi.SseChannel;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>A stream's response is {@code 200} with {@code Content-Type: text/event-stream;charset=UTF-8},
 * {@code Cache-Control: no-cache} and {@code X-Accel-Buffering: no}, no {@code Content-Length}, and its headers
 * are flushed at once so the client sees the stream open. The request's {@code Last-Event-ID} header is handed to
 * the engine, which replays what the client missed. A request is refused, without opening a stream, with
 * {@code 406} when its {@code Accept} header excludes {@code text/event-stream}, and with {@code 503} when the
 * broadcaster is closed or has its maximum of clients (then with {@code Retry-After}).
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
 * is queued is written first. A client that has stopped reading gets the close grace to take it; then the rest is
 * dropped and the response completed. The container then closes the connection when its own pending write ends
 * or hits the container's write or idle timeout: the Servlet API has no way to abort a connection.
 */
public final class ServletSse {
  /** How long a stream the server closed waits by default for its client to read the rest before it is cut. */
  public static final Duration DEFAULT_CLOSE_GRACE = Duration.ofSeconds(5);

  /** The {@code Retry-After} seconds sent with {@code 503} when a broadcaster has its maximum of clients. */
  static final int RETRY_AFTER_SECONDS = 5;

  private static final Logger log = LoggerFactory.getLogger(ServletSse.class);
  private static final String EVENT_STREAM = "text/event-stream";

  private ServletSse() {}

  /**
   * Answers the request with a stream of the broadcaster's events, using the
   * {@linkplain #DEFAULT_CLOSE_GRACE default close grace}.
   *
   * @param request the request; its servlet (and filters) must be {@code asyncSupported}
   * @param response the response, not yet committed
   * @param broadcaster the broadcaster that subscribes the client
   * @return {@code true} if the stream is open; {@code false} if the request was refused with {@code 406} or
   *     {@code 503}
   * @throws IllegalStateException if the request does not support async processing
   * @throws IOException if the response cannot be written
   */
  public static boolean serve(HttpServletRequest request, HttpServletResponse response, Broadcaster broadcaster)
      throws IOException {
    return serve(request, response, broadcaster, DEFAULT_CLOSE_GRACE);
  }

  /**
   * Answers the request with a stream of the broadcaster's events.
   *
   * @param request the request; its servlet (and filters) must be {@code asyncSupported}
   * @param response the response, not yet committed
   * @param broadcaster the broadcaster that subscribes the client
   * @param closeGrace how long a stream the server closed may wait for a client that stopped reading to take the
   *     rest, before the connection is cut
   * @return {@code true} if the stream is open; {@code false} if the request was refused with {@code 406} or
   *     {@code 503}
   * @throws IllegalStateException if the request does not support async processing
   * @throws IOException if the response cannot be written
   */
  public static boolean serve(
      HttpServletRequest request, HttpServletResponse response, Broadcaster broadcaster, Duration closeGrace)
      throws IOException {
    requireNonNull(broadcaster, "broadcaster");
    if (!check(request, response, closeGrace)) {
      return false;
    }
    SseChannel channel;
    try {
      channel = broadcaster.subscribe(request.getHeader("Last-Event-ID"));
    } catch (TooManyClientsException e) {
      log.debug("refusing a client: {}", e.getMessage());
      response.setHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
      refuse(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, e.getMessage());
      return false;
    } catch (IllegalStateException e) {
      if (!broadcaster.isClosed()) {
        throw e;
      }
      log.debug("refusing a client: the broadcaster is closed");
      refuse(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "the event stream has ended");
      return false;
    }
    open(request, response, channel, closeGrace);
    return true;
  }

  /**
   * Answers the request with a stream to this one client, using the
   * {@linkplain #DEFAULT_CLOSE_GRACE default close grace}.
   *
   * @param request the request; its servlet (and filters) must be {@code asyncSupported}
   * @param response the response, not yet committed
   * @param config the limits of the client's queue
   * @param onOpen given the client's sender once the stream is open; it may send at once or keep the sender and
   *     send later from any thread, and closes it to end the stream
   * @return {@code true} if the stream is open; {@code false} if the request was refused with {@code 406}
   * @throws IllegalStateException if the request does not support async processing
   * @throws IOException if the response cannot be written
   */
  public static boolean stream(
      HttpServletRequest request, HttpServletResponse response, ChannelConfig config,
      Consumer<? super Sender> onOpen) throws IOException {
    return stream(request, response, config, DEFAULT_CLOSE_GRACE, onOpen);
  }

  /**
   * Answers the request with a stream to this one client.
   *
   * <p>{@code onOpen} runs on the calling thread before this method returns. If it throws, the stream ends with
   * {@link CloseReason#ERROR} and the exception is logged.
   *
   * @param request the request; its servlet (and filters) must be {@code asyncSupported}
   * @param response the response, not yet committed
   * @param config the limits of the client's queue
   * @param closeGrace how long a stream the server closed may wait for a client that stopped reading to take the
   *     rest, before the connection is cut
   * @param onOpen given the client's sender once the stream is open; it may send at once or keep the sender and
   *     send later from any thread, and closes it to end the stream
   * @return {@code true} if the stream is open; {@code false} if the request was refused with {@code 406}
   * @throws IllegalStateException if the request does not support async processing
   * @throws IOException if the response cannot be written
   */
  public static boolean stream(
      HttpServletRequest request, HttpServletResponse response, ChannelConfig config, Duration closeGrace,
      Consumer<? super Sender> onOpen) throws IOException {
    requireNonNull(config, "config");
    requireNonNull(onOpen, "onOpen");
    if (!check(request, response, closeGrace)) {
      return false;
    }
    SseChannel channel = Channels.open(config, request.getHeader("Last-Event-ID"));
    open(request, response, channel, closeGrace);
    try {
      onOpen.accept(channel.sender());
    } catch (RuntimeException e) {
      log.warn("the stream's onOpen callback failed; ending the stream", e);
      channel.close(CloseReason.ERROR);
    }
    return true;
  }

  /** Sets the status and headers of an event stream, without opening one: what a {@code HEAD} request gets. */
  static void writeHeaders(HttpServletResponse response) {
    requireNonNull(response, "response");
    response.setStatus(HttpServletResponse.SC_OK);
    response.setContentType(EVENT_STREAM);
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.setHeader("Cache-Control", "no-cache");
    // nginx buffers proxied responses unless told not to; an event stream must reach the client at once.
    response.setHeader("X-Accel-Buffering", "no");
  }

  // ---- internals ----

  /** Checks what must hold before any client is subscribed; answers 406 and returns false if not acceptable. */
  private static boolean check(HttpServletRequest request, HttpServletResponse response, Duration closeGrace)
      throws IOException {
    requireNonNull(request, "request");
    requireNonNull(response, "response");
    requireNonNull(closeGrace, "closeGrace");
    if (closeGrace.isNegative()) {
      throw new IllegalArgumentException("closeGrace must not be negative: " + closeGrace);
    }
    if (!request.isAsyncSupported()) {
      throw new IllegalStateException("a Server-Sent Events stream needs async processing, which this request does"
          + " not support: set asyncSupported=true on the servlet and on every filter before it (@WebServlet("
          + "asyncSupported = true), <async-supported>true</async-supported> in web.xml, or"
          + " setAsyncSupported(true) on its registration)");
    }
    if (!acceptsEventStream(request.getHeader("Accept"))) {
      refuse(response, HttpServletResponse.SC_NOT_ACCEPTABLE, "this resource is a text/event-stream");
      return false;
    }
    return true;
  }

  private static void open(
      HttpServletRequest request, HttpServletResponse response, SseChannel channel, Duration closeGrace)
      throws IOException {
    try {
      writeHeaders(response);
      AsyncStream.serve(request, response, channel, closeGrace);
    } catch (IOException | RuntimeException e) {
      channel.close(CloseReason.ERROR);
      throw e;
    }
  }

  private static void refuse(HttpServletResponse response, int status, @Nullable String message)
      throws IOException {
    response.setStatus(status);
    response.setContentType("text/plain");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.getOutputStream().write((message == null ? "" : message).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Tells whether an {@code Accept} header lets the response be {@code text/event-stream}: the most specific
   * media range that matches it ({@code text/event-stream}, then {@code text/*}, then {@code *}{@code /*}) has a
   * quality above zero. A missing or empty header accepts anything (RFC 9110, section 12.5.1).
   */
  static boolean acceptsEventStream(@Nullable String accept) {
    if (accept == null || accept.isBlank()) {
      return true;
    }
    int bestSpecificity = 0;
    double bestQuality = 0;
    for (String range : accept.split(",")) {
      String[] parts = range.split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      int specificity = switch (type) {
        case EVENT_STREAM -> 3;
        case "text/*" -> 2;
        case "*/*" -> 1;
        default -> 0;
      };
      if (specificity <= bestSpecificity) {
        continue;
      }
      bestSpecificity = specificity;
      bestQuality = quality(parts);
    }
    return bestSpecificity > 0 && bestQuality > 0;
  }

  private static double quality(String[] parts) {
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].trim();
      if (parameter.length() > 1 && (parameter.charAt(0) == 'q' || parameter.charAt(0) == 'Q')
          && parameter.charAt(1) == '=') {
        try {
          return Double.parseDouble(parameter.substring(2).trim());
        } catch (NumberFormatException e) {
          return 1; // a malformed weight is ignored, as if absent
        }
      }
    }
    return 1;
  }
}
