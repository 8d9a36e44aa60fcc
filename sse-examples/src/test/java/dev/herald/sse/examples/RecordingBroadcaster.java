package dev.herald.sse.examples;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.BroadcasterStats;
import dev.herald.sse.Event;
import dev.herald.sse.Sender;
import dev.herald.sse.Subscription;
import dev.herald.sse.spi.SseChannel;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/** A broadcaster that remembers every channel it handed to a transport, so a test can end those streams. */
final class RecordingBroadcaster implements Broadcaster {
  private final Broadcaster delegate;
  private final List<SseChannel> channels = new CopyOnWriteArrayList<>();

  RecordingBroadcaster(Broadcaster delegate) {
    this.delegate = delegate;
  }

  List<SseChannel> channels() {
    return List.copyOf(channels);
  }

  @Override
  public SseChannel register(Subscription subscription) {
    SseChannel channel = delegate.register(subscription);
    channels.add(channel);
    return channel;
  }

  @Override
  public int sendTo(String identity, Event event) {
    return delegate.sendTo(identity, event);
  }

  @Override
  public int publish(Collection<String> topics, Event event) {
    return delegate.publish(topics, event);
  }

  @Override
  public boolean join(Sender client, Collection<String> topics) {
    return delegate.join(client, topics);
  }

  @Override
  public boolean leave(Sender client, Collection<String> topics) {
    return delegate.leave(client, topics);
  }

  @Override
  public int subscriberCount(String topic) {
    return delegate.subscriberCount(topic);
  }

  @Override
  public Set<String> topics(Sender client) {
    return delegate.topics(client);
  }

  @Override
  public int broadcast(Event event) {
    return delegate.broadcast(event);
  }

  @Override
  public CompletionStage<Void> broadcastPaced(Event event) {
    return delegate.broadcastPaced(event);
  }

  @Override
  public int clientCount() {
    return delegate.clientCount();
  }

  @Override
  public BroadcasterStats stats() {
    return delegate.stats();
  }

  @Override
  public boolean isClosed() {
    return delegate.isClosed();
  }

  @Override
  public boolean isFull() {
    return delegate.isFull();
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public CompletionStage<Void> shutdown() {
    return delegate.shutdown();
  }
}
