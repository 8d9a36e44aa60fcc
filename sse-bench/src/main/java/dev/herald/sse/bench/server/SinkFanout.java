package dev.herald.sse.bench.server;

import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * The peer Herald is measured against on WebFlux: a broadcast built the usual way, one
 * {@code Sinks.many().multicast().onBackpressureBuffer(256, false)} whose {@code Flux<ServerSentEvent<String>>} every client's
 * response subscribes to. It has no per-client queue and no pacing: {@link #sendPaced} is {@link #send}, and what
 * the sink refuses (its buffer full, or its subscribers racing) is counted as dropped.
 */
final class SinkFanout implements Fanout {
  // autoCancel off: with the default (on), the sink terminates when its last subscriber leaves, and every later
  // client gets its greeting and then nothing (the bench's warm-up clients leave before the measured run).
  private final Sinks.Many<ServerSentEvent<String>> sink =
      Sinks.many().multicast().onBackpressureBuffer(Queues.SMALL_BUFFER_SIZE, false);
  private final AtomicInteger clients = new AtomicInteger();
  private final AtomicInteger dropped = new AtomicInteger();

  /** Each client's stream: the greeting, then the sink's events, as long as the client stays. */
  Flux<ServerSentEvent<String>> stream() {
    return Flux.concat(Flux.just(ServerSentEvent.builder("connected").build()), sink.asFlux())
        .doOnSubscribe(s -> clients.incrementAndGet())
        .doFinally(signal -> clients.decrementAndGet());
  }

  @Override
  public synchronized void send(String data) {
    // Serialized: a multicast sink refuses concurrent emissions (FAIL_NON_SERIALIZED) rather than ordering them.
    if (sink.tryEmitNext(ServerSentEvent.builder(data).build()).isFailure()) {
      dropped.incrementAndGet();
    }
  }

  @Override
  public void sendPaced(String data) {
    send(data);
  }

  @Override
  public int clients() {
    return clients.get();
  }

  /** How many events the sink refused. */
  int dropped() {
    return dropped.get();
  }
}
