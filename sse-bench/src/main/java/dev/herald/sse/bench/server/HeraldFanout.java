package dev.herald.sse.bench.server;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import java.util.concurrent.ExecutionException;

/** A burst through Herald's broadcaster. */
final class HeraldFanout implements Fanout {
  private final Broadcaster broadcaster;

  HeraldFanout(Broadcaster broadcaster) {
    this.broadcaster = broadcaster;
  }

  @Override
  public void send(String data) {
    broadcaster.broadcast(Data.of(data));
  }

  @Override
  public void sendPaced(String data) throws InterruptedException {
    try {
      broadcaster.broadcastPaced(Data.of(data)).toCompletableFuture().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public int clients() {
    return broadcaster.clientCount();
  }
}
