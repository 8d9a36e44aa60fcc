package dev.herald.sse.it.boot;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.servlet.ServletSse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The README's controller: the broadcaster's stream, and a stream of its own to each client of {@code /clock}, in
 * the group through the {@link StreamConfig} bean.
 */
@RestController
class EventsController {
  private final Broadcaster events;
  private final StreamConfig streams;
  private final ScheduledExecutorService scheduler;

  EventsController(Broadcaster events, StreamConfig streams, ScheduledExecutorService scheduler) {
    this.events = events;
    this.streams = streams;
    this.scheduler = scheduler;
  }

  @GetMapping("/events")
  void events(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ServletSse.serve(request, response, events);
  }

  /** Sends {@code tick 1}, {@code tick 2}, ... every 5 ms, until the stream ends. */
  @GetMapping("/clock")
  void clock(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ServletSse.stream(request, response, streams, sender -> {
      AtomicLong ticks = new AtomicLong();
      ScheduledFuture<?> tick = scheduler.scheduleAtFixedRate(
          () -> sender.trySend(Data.of("tick " + ticks.incrementAndGet())), 0, 5, TimeUnit.MILLISECONDS);
      sender.onClose(reason -> tick.cancel(false));
    });
  }
}
