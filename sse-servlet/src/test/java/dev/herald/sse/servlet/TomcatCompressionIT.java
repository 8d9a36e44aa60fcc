package dev.herald.sse.servlet;

import dev.herald.sse.testkit.TestServer;
import jakarta.servlet.http.HttpServlet;
import java.util.Map;
import org.apache.catalina.connector.Connector;

/**
 * Tomcat 11's connector compression and a Herald stream. {@code compression="on"} compresses only the types of
 * {@code compressibleMimeType}, whose default leaves out {@code text/event-stream}. With the type added, its gzip
 * filter (a {@code GZIPOutputStream} made with {@code syncFlush}) deflates with {@code SYNC_FLUSH} on each flush,
 * and Herald flushes after each batch of events, so each event is decodable the moment it is sent.
 */
class TomcatCompressionIT extends AbstractServletCompressionIT {
  /** Tomcat's default {@code compressibleMimeType}, and event streams. */
  private static final String COMPRESSIBLE = "text/html,text/xml,text/plain,text/css,text/javascript,"
      + "application/javascript,application/json,application/xml,text/event-stream";

  @Override
  TestServer startWithDefaultCompression(Map<String, HttpServlet> servlets) throws Exception {
    return Containers.tomcat(servlets, connector -> set(connector, "compression", "on"));
  }

  @Override
  TestServer startCompressingEventStreams(Map<String, HttpServlet> servlets) throws Exception {
    return Containers.tomcat(servlets, connector -> {
      set(connector, "compression", "on");
      set(connector, "compressibleMimeType", COMPRESSIBLE);
    });
  }

  /** Sets a connector attribute as {@code server.xml} does, failing if the connector has no such attribute. */
  private static void set(Connector connector, String name, String value) {
    if (!connector.setProperty(name, value)) {
      throw new IllegalStateException("the connector took no " + name);
    }
  }
}
