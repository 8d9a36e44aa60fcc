package dev.herald.sse.testkit;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Records what is logged at warn or above while it is installed, from SLF4J's simple logger (which writes to
 * {@code System.err}: Herald, Netty and Jetty log there) and from {@code java.util.logging} (Tomcat's JULI), while
 * still letting it through to the test's output.
 *
 * <pre>{@code
 * try (LogCapture logs = LogCapture.install()) {
 *   ... // the scenario
 *   assertThat(logs.warnings()).isEmpty();
 * }
 * }</pre>
 *
 * <p><b>Threading.</b> Any thread may log while it is installed.
 */
public final class LogCapture implements AutoCloseable {
  // slf4j-simple writes "[time ][thread ]LEVEL logger - message" (the thread shown unless showThreadName=false).
  private static final Pattern WARN_OR_ERROR = Pattern.compile("^(\\S+ )?(\\[[^\\]]*\\] )?(WARN|ERROR) ");

  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final PrintStream originalErr = System.err;
  private final Handler julHandler;

  private LogCapture() {
    System.setErr(new PrintStream(new LineTee(originalErr), true, StandardCharsets.UTF_8));
    julHandler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(record.getLevel() + " " + record.getLoggerName() + " - " + record.getMessage()
              + (record.getThrown() == null ? "" : " " + record.getThrown()));
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger.getLogger("").addHandler(julHandler);
  }

  /**
   * Starts recording.
   *
   * @return the capture, which stops when closed
   */
  public static LogCapture install() {
    return new LogCapture();
  }

  /**
   * Returns the lines logged at warn or above so far (with the stack-trace lines that follow them).
   *
   * @return a snapshot
   */
  public List<String> warnings() {
    return new ArrayList<>(warnings);
  }

  /** Stops recording and restores {@code System.err}. */
  @Override
  public void close() {
    System.err.flush();
    System.setErr(originalErr);
    Logger.getLogger("").removeHandler(julHandler);
  }

  /** Passes bytes through and looks at each whole line. */
  private final class LineTee extends OutputStream {
    private final PrintStream target;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private boolean inWarning;

    LineTee(PrintStream target) {
      this.target = target;
    }

    @Override
    public synchronized void write(int b) {
      target.write(b);
      if (b == '\n') {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (WARN_OR_ERROR.matcher(text).find()) {
          inWarning = true;
          warnings.add(text);
        } else if (inWarning && (text.startsWith("\t") || text.startsWith("Caused by") || text.startsWith(" "))) {
          warnings.add(text);
        } else {
          inWarning = false;
        }
      } else {
        line.write(b);
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      for (int i = off; i < off + len; i++) {
        write(b[i]);
      }
    }

    @Override
    public void flush() {
      target.flush();
    }
  }
}
