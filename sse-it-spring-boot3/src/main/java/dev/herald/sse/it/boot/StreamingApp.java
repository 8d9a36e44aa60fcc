package dev.herald.sse.it.boot;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.StreamConfig;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Boot application as a user writes it from the README: a broadcaster at {@code /events} and a
 * single-client stream at {@code /clock} ({@link EventsController}), with a producer that broadcasts all the time
 * ({@link Ticker}). Run by {@code SpringBootShutdownIT} as a real process, on Tomcat or Jetty (whichever the class
 * path holds), with Spring Boot's defaults, graceful shutdown included.
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

  @Bean
  Broadcaster broadcaster() {
    return Broadcasters.create(BroadcasterConfig.builder().greeting(Data.of("connected")).build());
  }

  @Bean
  StreamConfig streamConfig() {
    return StreamConfig.builder().closeGrace(Duration.ofSeconds(2)).build();
  }

  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService scheduler() {
    return Executors.newSingleThreadScheduledExecutor();
  }
}
