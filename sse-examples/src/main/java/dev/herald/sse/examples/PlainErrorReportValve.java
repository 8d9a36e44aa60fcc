package dev.herald.sse.examples;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

/**
 * Tomcat's error reports as one plain-text line ({@code 400 Bad Request}), like the example's own answers,
 * instead of an HTML page. Tomcat answers some bad requests (a malformed percent-encoding in the path) itself,
 * before any servlet sees them.
 */
public final class PlainErrorReportValve extends ErrorReportValve {

  /** Makes the valve; Tomcat instantiates it by class name. */
  public PlainErrorReportValve() {}

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0) {
      return;
    }
    AtomicBoolean ioAllowed = new AtomicBoolean();
    response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
    if (!ioAllowed.get()) {
      return;
    }
    String message = response.getMessage();
    try {
      response.setContentType("text/plain");
      response.setCharacterEncoding("utf-8");
      Writer writer = response.getReporter();
      if (writer != null) {
        writer.write(ExampleApp.errorLine(status, message));
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // the client is gone or the response already committed: nothing more to say
    }
  }
}
