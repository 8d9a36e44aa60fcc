package dev.herald.sse.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.startup.Tomcat;

/** The example on embedded Tomcat 11, through {@code sse-servlet}. */
final class TomcatExample implements RunningServer {
  // Tomcat logs through java.util.logging; the example's console shows its warnings only. Held here so the
  // setting is not lost when the logger would otherwise be collected.
  private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");

  static {
    TOMCAT_LOG.setLevel(Level.WARNING);
  }

  private final Tomcat tomcat;
  private final Connector connector;
  private final Path baseDir;

  private TomcatExample(Tomcat tomcat, Connector connector, Path baseDir) {
    this.tomcat = tomcat;
    this.connector = connector;
    this.baseDir = baseDir;
  }

  static RunningServer start(ExampleApp app, String host, int port) throws LifecycleException, IOException {
    Path baseDir = Files.createTempDirectory("herald-tomcat");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = new Connector();
    connector.setPort(port);
    connector.setProperty("address", host);
    // GET /events/{msg} carries any text in one path segment, so an encoded slash (%2F) must reach the servlet
    // as it came; the example reads the raw URI and decodes it itself.
    connector.setEncodedSolidusHandling("passthrough");
    tomcat.setConnector(connector);
    ((StandardHost) tomcat.getHost()).setErrorReportValveClass(PlainErrorReportValve.class.getName());
    Context context = tomcat.addContext("", baseDir.toString());
    Wrapper wrapper = Tomcat.addServlet(context, "example", new ExampleServlet(app));
    wrapper.setAsyncSupported(true);
    context.addServletMapping("/*", "example");
    tomcat.start();
    return new TomcatExample(tomcat, connector, baseDir);
  }

  @Override
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      tomcat.stop();
      tomcat.destroy();
    } catch (LifecycleException e) {
      throw new IllegalStateException("Tomcat did not stop cleanly", e);
    } finally {
      deleteQuietly(baseDir);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // a leftover temporary directory is harmless
    }
  }
}
