package dev.herald.sse.core.internal;

import java.util.Arrays;

/**
 * A broadcaster's clients: an array whose first {@link #size()} slots are live, each channel knowing its slot, so
 * that adding and removing are O(1) and a fan-out walks a plain array.
 *
 * <p><b>Threading.</b> Not thread-safe: the broadcaster's lock guards it, and each channel's {@code slot} with it.
 */
final class ClientSet {
  private static final DefaultChannel[] NONE = new DefaultChannel[0];

  private DefaultChannel[] clients = new DefaultChannel[16]; // [0, size) are live
  private int size;

  int size() {
    return size;
  }

  /** The channel in slot {@code i}, below {@link #size()}. */
  DefaultChannel get(int i) {
    return clients[i];
  }

  void add(DefaultChannel channel) {
    if (size == clients.length) {
      clients = Arrays.copyOf(clients, size * 2);
    }
    channel.slot = size;
    clients[size++] = channel;
  }

  /** Removes a channel, moving the last one into its slot; does nothing if it was removed already. */
  void remove(DefaultChannel channel) {
    int slot = channel.slot;
    if (slot < 0) {
      return;
    }
    DefaultChannel last = clients[--size];
    clients[slot] = last;
    last.slot = slot;
    clients[size] = null;
    channel.slot = -1;
    if (clients.length > 64 && size < clients.length / 4) {
      clients = Arrays.copyOf(clients, clients.length / 2);
    }
  }

  /** Whether this channel is one of the clients. */
  static boolean isMember(DefaultChannel channel) {
    return channel.slot >= 0;
  }

  /** A copy of the clients, to act on once the lock is released. */
  DefaultChannel[] snapshot() {
    return size == 0 ? NONE : Arrays.copyOf(clients, size);
  }
}
