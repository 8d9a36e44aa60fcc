package dev.herald.sse.core.internal;

import org.jspecify.annotations.Nullable;

/**
 * The transports one broadcast found idle, to wake once the broadcaster's lock is released: waking one schedules a
 * drain on its event loop or container pool, which is work the lock need not wait for.
 *
 * <p><b>Threading.</b> Not thread-safe: one broadcast's, filled under the broadcaster's lock and run by the same
 * thread after it releases the lock. It holds each channel at most once, since a channel is claimed idle at most
 * once per frame.
 */
final class Wakes {
  private final int capacity;
  private DefaultChannel @Nullable [] channels;
  private int count;

  /**
   * Makes an empty set for one broadcast.
   *
   * @param capacity the most channels it will hold: the broadcast's client count
   */
  Wakes(int capacity) {
    this.capacity = capacity;
  }

  /** Adds a channel whose transport is to be woken; the array is made at the first one, so a busy fan-out makes none. */
  void add(DefaultChannel channel) {
    DefaultChannel[] array = channels;
    if (array == null) {
      array = new DefaultChannel[capacity];
      channels = array;
    }
    array[count++] = channel;
  }

  /** Wakes every transport added; call it without holding the broadcaster's lock. */
  void run() {
    DefaultChannel[] array = channels;
    for (int i = 0; i < count; i++) {
      array[i].wakeTransport();
    }
  }
}
