package dev.herald.sse.examples;

import java.io.PrintWriter;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.ServerConnector;

/** The example on embedded Jetty 12 (ee10), through {@code sse-servlet}. */
final class JettyExample implements RunningServer {
  private final Server server;
  private final ServerConnector connector;

  private JettyExample(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  static RunningServer start(ExampleApp app, String host, int port) throws Exception {
    Server server = new Server();
    // GET /events/{msg} carries any text in one path segment: a new line is %0A, a slash %2F. Servlet 6 lets a
    // container refuse such "suspicious" paths and Jetty does by default; the example reads the raw URI and
    // decodes it itself (answering 400 for bad escapes), so it asks Jetty to let them through.
    HttpConfiguration http = new HttpConfiguration();
    http.setUriCompliance(UriCompliance.DEFAULT.with("herald-example",
        UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
        UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
        UriCompliance.Violation.AMBIGUOUS_PATH_SEGMENT,
        UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT,
        UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS,
        UriCompliance.Violation.BAD_PERCENT_ENCODING,
        UriCompliance.Violation.BAD_UTF8_ENCODING,
        UriCompliance.Violation.TRUNCATED_UTF8_ENCODING,
        UriCompliance.Violation.UTF16_ENCODINGS));
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    ServletHolder holder = new ServletHolder("example", new ExampleServlet(app));
    holder.setAsyncSupported(true);
    context.addServlet(holder, "/*");
    context.getServletHandler().setDecodeAmbiguousURIs(true);
    server.setHandler(context);
    // Bad requests that Jetty answers itself (a malformed escape in the path) get one plain-text line too.
    server.setErrorHandler(new PlainErrorHandler());
    server.setStopTimeout(2_000);
    server.start();
    return new JettyExample(server, connector);
  }

  /** Jetty's own error answers as one plain-text line, like the example's. */
  private static final class PlainErrorHandler extends ErrorHandler {
    PlainErrorHandler() {
      setDefaultResponseMimeType("text/plain");
      setShowStacks(false);
    }

    @Override
    protected void writeErrorPlain(Request request, PrintWriter writer, int code, String message, Throwable cause) {
      writer.write(ExampleApp.errorLine(code, message));
    }
  }

  @Override
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("Jetty did not stop cleanly", e);
    }
  }
}
