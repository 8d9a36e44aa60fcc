package dev.herald.sse.examples;

import dev.herald.sse.examples.ExampleApp.Reply;
import dev.herald.sse.examples.ExampleApp.Route;
import dev.herald.sse.servlet.ServletSse;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example's routes as one servlet, mapped to {@code /*} in Jetty and in Tomcat.
 *
 * <p>Bodies and broadcasts are answered asynchronously: a {@code POST /events} body is read with a
 * {@link ReadListener}, so a client that sends it a byte a second holds no container thread while it does, and a
 * broadcast on a cluster node is answered when Redis acknowledges it, with no thread waiting for that either.
 */
final class ExampleServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(ExampleServlet.class);

  private final transient ExampleApp app;

  ExampleServlet(ExampleApp app) {
    this.app = app;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String protocol = request.getProtocol();
    if (!protocol.equals("HTTP/1.1") && !protocol.equals("HTTP/1.0") && !protocol.equals("HTTP/2.0")) {
      // Tomcat still takes HTTP/0.9 ("GET /events/x" and nothing more): the example serves HTTP/1.x (and HTTP/2
      // with --tls) only.
      write(request, response, Reply.text(505, "only HTTP/1.0, HTTP/1.1 and HTTP/2 are served"));
      return;
    }
    if (protocol.equals("HTTP/1.0") && request.getHeader("Transfer-Encoding") != null) {
      // HTTP/1.0 has no chunked coding (RFC 9112, section 6.1); Jetty would decode it anyway.
      response.setHeader("Connection", "close");
      write(request, response, Reply.text(400, "HTTP/1.0 has no Transfer-Encoding"));
      return;
    }
    String target = request.getRequestURI() + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
    Route route = app.route(request.getMethod(), target);
    switch (route.kind()) {
      case SUBSCRIBE -> ServletSse.serve(request, response, app.broadcaster(), app.streamConfig());
      case BROADCAST_BODY, PUBLISH_BODY -> readBody(route, request, response);
      case BROADCAST_PATH, PUBLISH_QUERY -> {
        AsyncContext async = request.startAsync();
        async.setTimeout(0); // the stage always completes: Redis's command timeout bounds it
        answerLater(request, response, async, new AtomicBoolean(), app.answer(route));
      }
      default -> write(request, response, app.reply(route));
    }
  }

  /**
   * Reads the body without blocking and broadcasts it. A body declared larger than the limit is refused at once,
   * before the input stream is touched, when the client waits for {@code 100 Continue} (asking for the stream is
   * what makes a container send it) or the body is too long to drop ({@link ExampleApp#refuseUnread}); any other
   * body over the limit is read and dropped, then refused, so the answer is not lost to a reset.
   */
  private void readBody(Route route, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    if (ExampleApp.refuseUnread(request.getContentLengthLong(),
        "100-continue".equalsIgnoreCase(request.getHeader("Expect")))) {
      // The body is not read: the connection cannot be reused, and saying so spares the container draining it.
      response.setHeader("Connection", "close");
      write(request, response, ExampleApp.tooLarge());
      return;
    }
    AsyncContext async = request.startAsync();
    async.setTimeout(app.requestTimeout().toMillis());
    BodyReader reader = new BodyReader(route, request, response, async);
    async.addListener(reader);
    request.getInputStream().setReadListener(reader);
  }

  /** Writes the reply when the stage has it, and completes the async request; the first answer wins. */
  private static void answerLater(HttpServletRequest request, HttpServletResponse response, AsyncContext async,
      AtomicBoolean answered, CompletionStage<Reply> reply) {
    reply.whenComplete((r, failure) -> finish(request, response, async, answered,
        failure == null ? r : Reply.text(500, "the broadcast failed")));
  }

  /** Answers an async request once: whoever claims {@code answered} first writes, and completes. */
  private static void finish(HttpServletRequest request, HttpServletResponse response, AsyncContext async,
      AtomicBoolean answered, Reply reply) {
    if (!answered.compareAndSet(false, true)) {
      return;
    }
    try {
      write(request, response, reply);
    } catch (IOException | IllegalStateException e) {
      log.debug("could not answer a request; the client is gone: {}", e.toString());
    }
    try {
      async.complete();
    } catch (IllegalStateException e) {
      log.debug("the container had already ended the request: {}", e.getMessage());
    }
  }

  private static void write(HttpServletRequest request, HttpServletResponse response, Reply reply)
      throws IOException {
    response.setStatus(reply.status());
    response.setContentType(reply.contentType());
    for (Map.Entry<String, String> header : reply.headers().entrySet()) {
      response.setHeader(header.getKey(), header.getValue());
    }
    response.setContentLength(reply.body().length);
    if (!request.getMethod().equals("HEAD")) {
      response.getOutputStream().write(reply.body());
    }
  }

  /**
   * Reads one {@code POST /events} or {@code POST /publish} body as it arrives, on the container's threads, within
   * {@link ExampleApp#requestTimeout()} (the async timeout), then answers it. A body over the limit is dropped as it
   * is read and refused at its end, or, past {@link ExampleApp#MAX_DISCARDED_BYTES} more, at once.
   */
  private final class BodyReader implements ReadListener, AsyncListener {
    private final Route route;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final AsyncContext async;
    private final ServletInputStream in;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final byte[] buffer = new byte[8192];
    private final AtomicBoolean answered = new AtomicBoolean();
    private volatile long length; // bytes read, kept or dropped: written by the read callbacks, one at a time
    private volatile boolean bodyRead;

    BodyReader(Route route, HttpServletRequest request, HttpServletResponse response, AsyncContext async)
        throws IOException {
      this.route = route;
      this.request = request;
      this.response = response;
      this.async = async;
      this.in = request.getInputStream();
    }

    @Override
    public void onDataAvailable() throws IOException {
      int n;
      while (in.isReady() && !in.isFinished() && (n = in.read(buffer)) >= 0) {
        length += n;
        if (length <= ExampleApp.MAX_BODY_BYTES) {
          body.write(buffer, 0, n);
        } else if (length > ExampleApp.MAX_READ_BYTES) {
          // Too long even to drop (a chunked body has no declared length to refuse it by): refused now.
          response.setHeader("Connection", "close");
          finish(request, response, async, answered, ExampleApp.tooLarge());
          return;
        }
      }
    }

    @Override
    public void onAllDataRead() {
      bodyRead = true;
      if (answered.get()) {
        return;
      }
      if (length > ExampleApp.MAX_BODY_BYTES) {
        finish(request, response, async, answered, ExampleApp.tooLarge()); // read to its end: the connection is fine
      } else {
        answerLater(request, response, async, answered,
            app.answer(route, body.toByteArray(), request.getHeader("Idempotency-Key")));
      }
    }

    @Override
    public void onError(Throwable failure) {
      // A client that left or reset mid-body (nobody to answer: the write fails quietly), or a malformed body such
      // as a bad chunk size (400). Either is the client's doing: debug, not a warning.
      log.debug("reading a body failed: {}", failure.toString());
      response.setHeader("Connection", "close");
      finish(request, response, async, answered, Reply.text(400, "the body could not be read"));
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      if (bodyRead) {
        // The body came in time; Redis did not acknowledge its broadcast before the deadline ran out.
        finish(request, response, async, answered,
            Reply.text(503, "not acknowledged by Redis in time: it may or may not be delivered"));
        return;
      }
      log.debug("a body did not arrive within {}; answering 408", app.requestTimeout());
      response.setHeader("Connection", "close");
      finish(request, response, async, answered, Reply.text(408, "the body did not arrive in time"));
    }

    @Override
    public void onError(AsyncEvent event) {
      onError(event.getThrowable());
    }

    @Override
    public void onComplete(AsyncEvent event) {
      answered.set(true);
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      // one async cycle per body
    }
  }
}
