package dev.herald.sse.servlet;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;

/**
 * A servlet that serves one {@link Broadcaster}'s events at its path: {@code GET} opens a stream (see
 * {@link ServletSse#serve(HttpServletRequest, HttpServletResponse, Broadcaster)} for the headers and the refusals),
 * {@code HEAD} answers with the stream's status and headers only, and other methods are answered as
 * {@link HttpServlet} does ({@code 405}).
 *
 * <pre>{@code
 * Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder().history(1000).build());
 * ServletRegistration.Dynamic events = servletContext.addServlet("events", new SseServlet(broadcaster));
 * events.setAsyncSupported(true);
 * events.addMapping("/events");
 * // anywhere else: broadcaster.broadcast(Data.of("hello"));
 * }</pre>
 *
 * <p>The servlet must be registered with async support, as above, or each {@code GET} fails with an
 * {@link IllegalStateException} that says so. Subclass it to answer other methods on the same path, for example
 * a {@code POST} that broadcasts.
 *
 * <p><b>Threading and ownership.</b> The servlet is safe for the container to call concurrently; it holds no
 * state but the broadcaster. The application owns the broadcaster and closes it (which ends every stream); the
 * servlet never closes it, so one broadcaster may serve several servlets.
 */
public class SseServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  /** Not serialized: a session-persisting container never serializes servlets, only attributes. */
  private final transient Broadcaster broadcaster;
  /** How long a closed stream waits for a client that stopped reading. */
  private final Duration closeGrace;

  /**
   * Makes a servlet that serves this broadcaster with the {@linkplain ServletSse#DEFAULT_CLOSE_GRACE default
   * close grace}.
   *
   * @param broadcaster the broadcaster whose events every {@code GET} streams
   */
  public SseServlet(Broadcaster broadcaster) {
    this(broadcaster, ServletSse.DEFAULT_CLOSE_GRACE);
  }

  /**
   * Makes a servlet that serves this broadcaster.
   *
   * @param broadcaster the broadcaster whose events every {@code GET} streams
   * @param closeGrace how long a stream the server closed may wait for a client that stopped reading to take the
   *     rest, before the connection is cut
   * @throws IllegalArgumentException if {@code closeGrace} is negative
   */
  public SseServlet(Broadcaster broadcaster, Duration closeGrace) {
    this.broadcaster = requireNonNull(broadcaster, "broadcaster");
    this.closeGrace = requireNonNull(closeGrace, "closeGrace");
    if (closeGrace.isNegative()) {
      throw new IllegalArgumentException("closeGrace must not be negative: " + closeGrace);
    }
  }

  /**
   * Returns the broadcaster this servlet serves.
   *
   * @return the broadcaster given to the constructor
   */
  public Broadcaster broadcaster() {
    return broadcaster;
  }

  /**
   * Opens a stream of the broadcaster's events.
   *
   * @param request the request
   * @param response the response
   * @throws IOException if the response cannot be written
   * @throws IllegalStateException if the servlet is not registered with async support
   */
  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ServletSse.serve(request, response, broadcaster, closeGrace);
  }

  /**
   * Answers with the status and headers a {@code GET} would get, without opening a stream.
   *
   * @param request the request
   * @param response the response
   */
  @Override
  protected void doHead(HttpServletRequest request, HttpServletResponse response) {
    ServletSse.writeHeaders(response);
  }
}
