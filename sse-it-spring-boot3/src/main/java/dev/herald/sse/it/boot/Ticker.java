package dev.herald.sse.it.boot;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The producer: once the application is ready, broadcasts {@code tick 1}, {@code tick 2}, ... every 5 ms until the
 * broadcaster closes, and says on which port the application listens.
 */
@Component
class Ticker {
  private static final Logger LOG = LoggerFactory.getLogger(Ticker.class);

  private final Broadcaster broadcaster;
  private final ScheduledExecutorService scheduler;
  private final Environment environment;
  private long ticks;

  Ticker(Broadcaster broadcaster, ScheduledExecutorService scheduler, Environment environment) {
    this.broadcaster = broadcaster;
    this.scheduler = scheduler;
    this.environment = environment;
  }

  @EventListener(ApplicationReadyEvent.class)
  void start() {
    scheduler.scheduleAtFixedRate(this::tick, 0, 5, TimeUnit.MILLISECONDS);
    LOG.info("Streaming on port {}", environment.getProperty("local.server.port"));
  }

  private void tick() {
    if (broadcaster.isClosed()) {
      return;
    }
    try {
      broadcaster.broadcast(Data.of("tick " + ++ticks));
    } catch (IllegalStateException closed) {
      // closed between the check and the broadcast: the application is stopping
    }
  }
}
