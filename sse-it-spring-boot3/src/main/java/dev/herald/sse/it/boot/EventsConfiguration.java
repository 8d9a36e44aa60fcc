package dev.herald.sse.it.boot;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.core.StreamGroup;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;

/**
 * The README's Spring Boot recipe ("Stopping cleanly"), as written there: the broadcaster and the single-client
 * streams in one {@link StreamGroup}, ended when the context starts to close, before Boot's graceful shutdown waits
 * for requests.
 */
@Configuration
class EventsConfiguration {
  private final StreamGroup streams = StreamGroup.create();

  @Bean
  Broadcaster events() {
    Broadcaster events = Broadcasters.create(BroadcasterConfig.builder()
        .greeting(Data.of("connected")).assignIds(true).build());
    streams.include(events);
    return events;
  }

  @Bean
  StreamConfig streamConfig() {                       // single-client streams join the group
    return StreamConfig.builder().group(streams).build();
  }

  @EventListener(ContextClosedEvent.class)            // before the web server stops taking requests
  void endStreams() {
    streams.shutdownAndAwait(Duration.ofSeconds(10));
  }
}
