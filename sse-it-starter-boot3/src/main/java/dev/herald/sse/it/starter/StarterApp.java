package dev.herald.sse.it.starter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;

/**
 * A Spring Boot application as a user of the starter writes it: the dependency, a few {@code herald.sse.*}
 * properties ({@code application.properties}) and a controller that broadcasts ({@link SendController}); no
 * broadcaster, endpoint, metrics, health or shutdown code of its own. Run by the tests as a real process, on
 * Tomcat or Jetty with Spring MVC, or on Reactor Netty with Spring WebFlux (whichever the class path holds), with
 * Spring Boot's defaults, graceful shutdown included.
 */
@SpringBootApplication
public class StarterApp {
  private static final Logger LOG = LoggerFactory.getLogger(StarterApp.class);

  /**
   * Starts the application.
   *
   * @param args Spring Boot's arguments, such as {@code --server.port=0}
   */
  public static void main(String[] args) {
    SpringApplication.run(StarterApp.class, args);
  }

  /** Says on which port the application listens, for the tests to read. */
  @EventListener(ApplicationReadyEvent.class)
  void ready(ApplicationReadyEvent event) {
    Environment environment = event.getApplicationContext().getEnvironment();
    LOG.info("Streaming on port {}", environment.getProperty("local.server.port"));
  }
}
