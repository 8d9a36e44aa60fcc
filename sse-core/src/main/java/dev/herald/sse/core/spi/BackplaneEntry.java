package dev.herald.sse.core.spi;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Data;
import dev.herald.sse.Event;
import dev.herald.sse.Topics;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One event in a {@link Backplane}'s shared log, with the id the log gave it.
 *
 * <p>The id is what clients see as the event's {@code id:} (and send back as {@code Last-Event-ID}); the event
 * itself carries none. Instances are immutable and safe to share between threads.
 *
 * <p>An entry that a backplane {@linkplain Backplane#start delivers} right after a gap says so with
 * {@link #gapAfter()}: entries of the log between the last one it delivered and this one were lost to this node
 * (a log that trims itself removed them before the node read them). The broadcaster then tells its clients that
 * they missed events, as for a replay miss, before it gives them this entry.
 *
 * <p>An entry is addressed as the event was: to every client (a broadcast: no topic, no identity), to the
 * subscribers of {@link #topics()} (a publish), or to the streams of one {@link #identity()} (a send to a user).
 * Every node routes it to its own clients that way, and a replay read from the log gives a client only the
 * entries it hears.
 *
 * <p>An entry {@linkplain #paced() published paced} is offered to each node's clients as a paced broadcast is on one
 * node: a client whose queue is full gets it once it has room, or its overflow policy after the slow-client grace.
 *
 * @param id the log's id for the entry, in the order of {@link Backplane#idOrder()}
 * @param event the event as published, without an id
 * @param gapAfter {@code null} normally; after a gap, the id of the last entry delivered before it (the gap lies
 *     between that entry and this one). Entries of a {@linkplain Backplane#replay replay} have none.
 * @param topics the topic names the event was published to, none for a broadcast or a send to an identity
 * @param identity the identity the event was sent to, or {@code null}
 * @param paced whether it was published with {@link Backplane#publishPaced}, so each node offers it paced
 */
public record BackplaneEntry(String id, Event event, @Nullable String gapAfter, List<String> topics,
    @Nullable String identity, boolean paced) {

  /**
   * Makes an entry after checking it.
   *
   * @param id the log's id for the entry
   * @param event the event as published, without an id
   * @param gapAfter {@code null}, or the id of the last entry delivered before a gap that ends at this entry
   * @param topics the topic names the event was published to (each one {@link Topics#checkName} accepts), none for
   *     a broadcast or a send to an identity
   * @param identity the identity the event was sent to (not empty), or {@code null}
   * @param paced whether it was published paced
   * @throws IllegalArgumentException if the event carries an id of its own, if it has both topics and an identity,
   *     or if the identity is empty
   * @throws dev.herald.sse.InvalidTopicException if a topic is not a name
   */
  public BackplaneEntry {
    requireNonNull(id, "id");
    requireNonNull(event, "event");
    topics = List.copyOf(requireNonNull(topics, "topics"));
    if (event instanceof Data data && data.id() != null) {
      throw new IllegalArgumentException("a backplane entry's event has no id of its own: " + data.id());
    }
    for (String topic : topics) {
      Topics.checkName(topic);
    }
    if (identity != null && (identity.isEmpty() || !topics.isEmpty())) {
      throw new IllegalArgumentException("a backplane entry goes to topics or to one (non-empty) identity: "
          + topics + ", " + identity);
    }
  }

  /**
   * Makes a broadcast entry, which every client hears.
   *
   * @param id the log's id for the entry
   * @param event the event as published, without an id
   * @param gapAfter {@code null}, or the id of the last entry delivered before a gap that ends at this entry
   * @throws IllegalArgumentException if the event carries an id of its own
   */
  public BackplaneEntry(String id, Event event, @Nullable String gapAfter) {
    this(id, event, gapAfter, List.of(), null, false);
  }

  /**
   * Makes a broadcast entry that follows the one delivered before it without a gap.
   *
   * @param id the log's id for the entry
   * @param event the event as published, without an id
   * @throws IllegalArgumentException if the event carries an id of its own
   */
  public BackplaneEntry(String id, Event event) {
    this(id, event, null);
  }

  /**
   * Returns this entry as delivered right after a gap.
   *
   * @param lastBefore the id of the last entry delivered before the gap
   * @return an entry like this one, with {@link #gapAfter()} set
   */
  public BackplaneEntry afterGap(String lastBefore) {
    return new BackplaneEntry(id, event, requireNonNull(lastBefore, "lastBefore"), topics, identity, paced);
  }

  /**
   * Tells whether every client hears this entry.
   *
   * @return {@code true} if it has no topic and no identity
   */
  public boolean isBroadcast() {
    return topics.isEmpty() && identity == null;
  }
}
