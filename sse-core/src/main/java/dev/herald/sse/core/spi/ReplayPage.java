package dev.herald.sse.core.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One page of a replay read from a {@link Backplane}'s log: the entries after an id, oldest first, and whether the
 * log holds more after the last of them. The broadcaster reads a replay page by page, the next one only once its
 * client has taken the last, so a replay costs at most what it delivers. Instances are immutable.
 *
 * @param entries the entries, oldest first, possibly none
 * @param more whether the log has entries after the last one of this page (after the id asked for, if none)
 */
public record ReplayPage(List<BackplaneEntry> entries, boolean more) {

  /**
   * Makes a page.
   *
   * @param entries the entries, oldest first, possibly none
   * @param more whether the log has entries after the last one
   */
  public ReplayPage {
    entries = List.copyOf(requireNonNull(entries, "entries"));
  }
}
