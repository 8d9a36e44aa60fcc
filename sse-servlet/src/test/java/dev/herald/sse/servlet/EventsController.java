package dev.herald.sse.servlet;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The README's Spring MVC controller, word for word (keep the two in step): {@code /events} streams a
 * broadcaster's events, {@code /clock} streams the time to one client through its sender.
 */
@RestController
class EventsController {
  private final Broadcaster events;
  private final ScheduledExecutorService scheduler;

  EventsController(Broadcaster events, ScheduledExecutorService scheduler) {
    this.events = events;
    this.scheduler = scheduler;
  }

  @GetMapping("/events")
  void events(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ServletSse.serve(request, response, events);
  }

  @GetMapping("/clock")
  void clock(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ServletSse.stream(request, response, sender -> {
      ScheduledFuture<?> tick = scheduler.scheduleAtFixedRate(
          () -> sender.trySend(Data.of(Instant.now().toString())), 0, 1, TimeUnit.SECONDS);
      sender.onClose(reason -> tick.cancel(false));   // the client left, or the stream was closed
    });
  }
}
