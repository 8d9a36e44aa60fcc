package dev.herald.sse.servlet;

import dev.herald.sse.testkit.TestServer;
import jakarta.servlet.http.HttpServlet;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Jetty 12's {@code GzipHandler} and a Herald stream. As it ships, it excludes {@code text/event-stream}: its
 * deflater runs with {@code NO_FLUSH}, which holds small writes until its buffer fills (jetty/jetty.project#4317).
 * An inclusion does not override that exclusion (Jetty's {@code IncludeExcludeSet} tests the exclusions last), so
 * the README sets the exclusions again without it, and turns on {@code syncFlush} ({@code Deflater.SYNC_FLUSH} on
 * every write), which makes each event decodable the moment Herald flushes it.
 */
@SuppressWarnings("removal") // GzipHandler, which Jetty 12.1 deprecates for CompressionHandler
class JettyCompressionIT extends AbstractServletCompressionIT {
  @Override
  TestServer startWithDefaultCompression(Map<String, HttpServlet> servlets) throws Exception {
    return Containers.jettyGzip(servlets, gzip -> {});
  }

  @Override
  TestServer startCompressingEventStreams(Map<String, HttpServlet> servlets) throws Exception {
    return Containers.jettyGzip(servlets, gzip -> {
      gzip.setExcludedMimeTypes(Stream.of(gzip.getExcludedMimeTypes())
          .filter(type -> !type.equals("text/event-stream")).toArray(String[]::new));
      gzip.setSyncFlush(true);
    });
  }
}
