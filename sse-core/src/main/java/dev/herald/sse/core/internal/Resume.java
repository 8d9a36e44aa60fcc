package dev.herald.sse.core.internal;

import dev.herald.sse.spi.Frame;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a client of a clustered broadcaster resumes in the shared log: live entries up to {@link #skipThrough}
 * are ones it already has (from another node, or from a replay read from the log), and while that replay is being
 * read, live entries are {@linkplain #held held} so that they follow it. Guarded by the broadcaster's lock.
 */
final class Resume {
  /** Entries with this id or an older one are not given to the client again. */
  String skipThrough;
  /** Live entries delivered while the replay is read from the log, oldest first; {@code null} once it is in. */
  @Nullable List<Held> held;

  Resume(String skipThrough, boolean awaitingReplay) {
    this.skipThrough = skipThrough;
    this.held = awaitingReplay ? new ArrayList<>() : null;
  }

  /** A live entry held back: its id and its shared frame. */
  record Held(String id, Frame frame) {}
}
