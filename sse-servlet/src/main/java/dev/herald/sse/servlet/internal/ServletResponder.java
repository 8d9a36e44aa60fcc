package dev.herald.sse.servlet.internal;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.CloseReason;
import dev.herald.sse.core.Handshake;
import dev.herald.sse.core.SseRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes a {@link Handshake}'s answer onto a servlet response: the status and headers, then a refusal's body or
 * the stream, which a {@link ServletStream} serves. It decides nothing: the handshake does. Anything here can change
 * at any time.
 */
public final class ServletResponder {
  private ServletResponder() {}

  /**
   * Answers a request as the handshake decides.
   *
   * @param request the request; it must support async processing
   * @param response the response, not committed
   * @param handshake what decides the answer
   * @return {@code true} if a stream was opened
   * @throws IllegalStateException if the request does not support async processing
   * @throws IOException if the response cannot be written
   */
  public static boolean respond(HttpServletRequest request, HttpServletResponse response, Handshake handshake)
      throws IOException {
    requireNonNull(request, "request");
    requireNonNull(response, "response");
    requireNonNull(handshake, "handshake");
    if (!request.isAsyncSupported()) {
      // Checked before the handshake, which may subscribe a client: a misconfigured servlet fails loudly and at once.
      throw new IllegalStateException("a Server-Sent Events stream needs async processing, which this request does"
          + " not support: set asyncSupported=true on the servlet and on every filter before it (@WebServlet("
          + "asyncSupported = true), <async-supported>true</async-supported> in web.xml, or"
          + " setAsyncSupported(true) on its registration)");
    }
    Handshake.Answer answer = handshake.answer(new RequestView(request));
    response.setStatus(answer.status());
    for (Map.Entry<String, String> header : answer.headers().entrySet()) {
      if (header.getKey().equalsIgnoreCase("Content-Type")) {
        response.setContentType(header.getValue()); // so the container does not add a charset of its own
      } else {
        response.setHeader(header.getKey(), header.getValue());
      }
    }
    if (answer instanceof Handshake.Refusal refusal) {
      byte[] body = refusal.body();
      response.setContentLength(body.length);
      response.getOutputStream().write(body);
      return false;
    }
    if (!(answer instanceof Handshake.Open open)) {
      // Headers only. Committed now, so the container does not add the Content-Length: 0 of an empty body (Jetty
      // does) to the headers of a HEAD, which must be those of the GET: an endless stream has no length.
      response.flushBuffer();
      return false;
    }
    try {
      ServletStream.serve(request, response, open.channel(), handshake.config().closeGrace());
    } catch (IOException | RuntimeException e) {
      open.channel().close(CloseReason.ERROR);
      throw e;
    }
    open.opened();
    return true;
  }

  /** The servlet request as the handshake reads it. */
  private record RequestView(HttpServletRequest request) implements SseRequest {

    @Override
    public String method() {
      return request.getMethod();
    }

    @Override
    public List<String> headers(String name) {
      Enumeration<String> values = request.getHeaders(name);
      return values == null ? List.of() : Collections.list(values);
    }

    @Override
    public @Nullable String header(String name) {
      return request.getHeader(name);
    }

    @Override
    public List<String> queryParameters(String name) {
      String[] values = request.getParameterValues(name);
      return values == null ? List.of() : List.of(values);
    }

    @Override
    public @Nullable Principal principal() {
      return request.getUserPrincipal();
    }

    @Override
    public String path() {
      return request.getRequestURI();
    }

    @Override
    public @Nullable String remoteAddress() {
      return request.getRemoteAddr();
    }
  }
}
