package dev.herald.sse.it.boot;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Boot application as a user writes it from the README: a broadcaster at {@code /events} and a
 * single-client stream at {@code /clock} ({@link EventsController}), each with a producer that runs all the time
 * ({@link Ticker} for the broadcaster), and the README's recipe to end them all as the application stops
 * ({@link EventsConfiguration}). Run by {@code SpringBootShutdownIT} as a real process, on Tomcat or Jetty
 * (whichever the class path holds), with Spring Boot's defaults, graceful shutdown included.
 */
@SpringBootApplication
public class StreamingApp {
  /**
   * Starts the application.
   *
   * @param args Spring Boot's arguments, such as {@code --server.port=0}
   */
  public static void main(String[] args) {
    SpringApplication.run(StreamingApp.class, args);
  }

  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService scheduler() {
    return Executors.newSingleThreadScheduledExecutor();
  }
}
