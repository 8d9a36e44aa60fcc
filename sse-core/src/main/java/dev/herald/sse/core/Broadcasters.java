package dev.herald.sse.core;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.internal.DefaultBroadcaster;

/**
 * Makes {@link Broadcaster}s.
 *
 * <pre>{@code
 * Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
 *     .greeting(Data.of("connected"))
 *     .assignIds(true)   // and a history as long as a client's queue: a client cut as slow resumes
 *     .build());
 * }</pre>
 */
public final class Broadcasters {
  private Broadcasters() {}

  /**
   * Makes a broadcaster with the {@linkplain BroadcasterConfig#defaults() default configuration}.
   *
   * @return a new open broadcaster, which the caller closes
   */
  public static Broadcaster create() {
    return create(BroadcasterConfig.defaults());
  }

  /**
   * Makes a broadcaster and starts its heartbeat.
   *
   * @param config how it behaves
   * @return a new open broadcaster, which the caller closes
   */
  public static Broadcaster create(BroadcasterConfig config) {
    return new DefaultBroadcaster(requireNonNull(config, "config"));
  }
}
