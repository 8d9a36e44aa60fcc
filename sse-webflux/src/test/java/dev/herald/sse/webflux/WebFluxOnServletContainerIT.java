package dev.herald.sse.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import jakarta.servlet.ServletRegistration;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.catalina.Context;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.reactive.ServletHttpHandlerAdapter;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

/**
 * Spring WebFlux on a servlet container (its {@link ServletHttpHandlerAdapter} in embedded Tomcat) is refused: a
 * stream request fails with an {@link IllegalStateException} that names Reactor Netty and the server's response
 * type, the client gets {@code 500}, and the engine keeps no client for it. Herald's WebFlux stream drains on
 * Reactor Netty's event loop and reads its channel's writability, which the servlet adapter does not have.
 */
class WebFluxOnServletContainerIT {

  @Test
  void aStreamOnTomcatIsRefusedWithTheReasonAndLeavesNoClient() throws Exception {
    Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO).build());
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    ServletHttpHandlerAdapter servlet = new ServletHttpHandlerAdapter(WebHttpHandlerBuilder
        .webHandler(exchange -> WebFluxSse.serve(exchange, broadcaster).doOnError(failures::add))
        .build());
    Path base = Files.createTempDirectory("herald-webflux-tomcat");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    tomcat.setHostname("127.0.0.1");
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context context = tomcat.addContext("", base.toString());
    ((StandardContext) context).setClearReferencesThreadLocals(false);
    ((StandardContext) context).setClearReferencesRmiTargets(false);
    // Registered as a web application would, so that the adapter finds its mapping (it reads it at init).
    context.addServletContainerInitializer((classes, servletContext) -> {
      ServletRegistration.Dynamic registration = servletContext.addServlet("webflux", servlet);
      registration.setAsyncSupported(true);
      registration.addMapping("/*");
    }, null);
    tomcat.start();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      URI events = URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/events");

      HttpResponse<String> response = http.send(HttpRequest.newBuilder(events).timeout(Duration.ofSeconds(10))
          .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(500);
      assertThat(failures).singleElement().isInstanceOf(IllegalStateException.class)
          .extracting(Throwable::getMessage).asString()
          .contains("serves streams on Reactor Netty").contains("org.apache.catalina");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (broadcaster.clientCount() != 0 && System.nanoTime() - deadline < 0) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      assertThat(broadcaster.clientCount()).as("clients kept for refused streams").isZero();
    } finally {
      tomcat.stop();
      tomcat.destroy();
      broadcaster.close();
    }
  }
}
