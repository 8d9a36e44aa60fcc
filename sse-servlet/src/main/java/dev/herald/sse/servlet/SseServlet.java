package dev.herald.sse.servlet;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.Handshake;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.servlet.internal.ServletResponder;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * A servlet that serves one {@link Broadcaster}'s events at its path: {@code GET} opens a stream, {@code HEAD}
 * answers with the stream's status and headers only, {@code OPTIONS} with {@code 204}, and {@code POST},
 * {@code PUT} and {@code DELETE} with {@code 405}, as the {@link Handshake} decides (see
 * {@link ServletSse#serve(HttpServletRequest, HttpServletResponse, Broadcaster)}).
 *
 * <pre>{@code
 * Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder().assignIds(true).build());
 * ServletRegistration.Dynamic events = servletContext.addServlet("events", new SseServlet(broadcaster));
 * events.setAsyncSupported(true);
 * events.addMapping("/events");
 * // anywhere else: broadcaster.broadcast(Data.of("hello"));
 * }</pre>
 *
 * <p>The servlet must be registered with async support, as above, or each {@code GET} fails with an
 * {@link IllegalStateException} that says so. Subclass it and override {@code doPost} (or another method) to
 * answer that method on the same path, for example with a broadcast.
 *
 * <p><b>Threading and ownership.</b> The servlet is safe for the container to call concurrently; it holds no
 * state but the broadcaster. The application owns the broadcaster and closes it (which ends every stream); the
 * servlet never closes it, so one broadcaster may serve several servlets.
 */
public class SseServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  /** Not serialized: a session-persisting container never serializes servlets, only attributes. */
  private final transient Broadcaster broadcaster;
  private final transient Handshake handshake;

  /**
   * Makes a servlet that serves this broadcaster with the {@linkplain StreamConfig#defaults() default settings}.
   *
   * @param broadcaster the broadcaster whose events every {@code GET} streams
   */
  public SseServlet(Broadcaster broadcaster) {
    this(broadcaster, StreamConfig.defaults());
  }

  /**
   * Makes a servlet that serves this broadcaster.
   *
   * @param broadcaster the broadcaster whose events every {@code GET} streams
   * @param config how the streams are served (close grace, {@code Retry-After})
   */
  public SseServlet(Broadcaster broadcaster, StreamConfig config) {
    this.broadcaster = requireNonNull(broadcaster, "broadcaster");
    this.handshake = Handshake.of(broadcaster, config);
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
   * Dispatches the methods {@link HttpServlet} knows to their {@code do…} methods, and answers any other (such as
   * {@code PATCH}, for which containers answer {@code 501}) with the handshake's {@code 405}.
   *
   * @param request the request
   * @param response the response
   * @throws ServletException if a {@code do…} method fails
   * @throws IOException if the response cannot be written
   */
  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws ServletException, IOException {
    switch (request.getMethod()) {
      case "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE" -> super.service(request, response);
      default -> ServletResponder.respond(request, response, handshake);
    }
  }

  /**
   * Opens a stream of the broadcaster's events, or refuses it.
   *
   * @param request the request
   * @param response the response
   * @throws IOException if the response cannot be written
   * @throws IllegalStateException if the servlet is not registered with async support
   */
  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ServletResponder.respond(request, response, handshake);
  }

  /**
   * Answers with the status and headers a {@code GET} would get, without opening a stream.
   *
   * @param request the request
   * @param response the response
   * @throws IOException if the response cannot be written
   */
  @Override
  protected void doHead(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ServletResponder.respond(request, response, handshake);
  }

  /**
   * Answers {@code 204} with the methods the stream answers.
   *
   * @param request the request
   * @param response the response
   * @throws IOException if the response cannot be written
   */
  @Override
  protected void doOptions(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ServletResponder.respond(request, response, handshake);
  }

  /**
   * Answers {@code 405} with the methods the stream answers; override it to take {@code POST} on this path.
   *
   * @param request the request
   * @param response the response
   * @throws IOException if the response cannot be written
   */
  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ServletResponder.respond(request, response, handshake);
  }

  /**
   * Answers {@code 405} with the methods the stream answers.
   *
   * @param request the request
   * @param response the response
   * @throws IOException if the response cannot be written
   */
  @Override
  protected void doPut(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ServletResponder.respond(request, response, handshake);
  }

  /**
   * Answers {@code 405} with the methods the stream answers.
   *
   * @param request the request
   * @param response the response
   * @throws IOException if the response cannot be written
   */
  @Override
  protected void doDelete(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ServletResponder.respond(request, response, handshake);
  }
}
