package dev.herald.sse.core.internal;

import dev.herald.sse.spi.Frame;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The replay history, kept per topic: each event broadcast or published, with its topics, in one order (its
 * sequence number), retained so that a busy topic cannot push a quiet topic's events out of reach.
 *
 * <p>Every topic, and the broadcasts as one more, keeps at most {@code perTopic} events; all of them together at
 * most {@code capacity}; and, optionally, none older than a maximum age. When the total is over, the oldest event of
 * the topic that holds the most goes, so the quiet topics keep theirs. An event published to several topics is
 * kept once and counts in each; it goes as a whole.
 *
 * <p>A replay from an id merges, in sequence order, the kept events the client hears (broadcasts, and its topics'
 * events) after that id's event. It is a hit only if nothing the client hears after that event was let go of: each
 * topic remembers the newest event it let go of, and a topic with nothing kept is remembered among the last
 * {@code capacity} such (the broadcasts always are); one forgotten past that makes a replay from before its last loss
 * a miss for any client with topics. A miss is never silent, only sometimes cautious.
 *
 * <p>On a cluster node the events are the shared log's entries, recorded in the log's order, and their ids are
 * ordered ({@code idOrder}). A replay may then start from any id of the log from the first one recorded on (since
 * the node started, or since the log last lost entries), not only from one still kept: a client resuming from a
 * busy topic's event that is gone, or from an id another node gave it, still gets its quiet topic's events. Each
 * topic then also remembers the id of the newest event it let go of.
 *
 * <p><b>Threading.</b> Not thread-safe: the broadcaster guards it with its lock.
 */
final class History {
  /** The key of broadcasts, which every client hears; no topic name is empty. */
  private static final String BROADCASTS = "";

  private final int capacity;
  private final int perTopic;
  private final long maxAgeNanos;
  private final TreeMap<Long, Entry> entries = new TreeMap<>(); // kept, by sequence
  private final Map<String, Entry> byId = new HashMap<>(); // a reused id points at its newest event
  private final Map<String, Topic> topics = new HashMap<>(); // those with events kept
  private final LinkedHashMap<String, Topic> emptied = new LinkedHashMap<>(); // those with none, oldest first
  private final Map<Integer, LinkedHashMap<String, Topic>> bySize = new HashMap<>(); // topics by events kept
  private int largest; // at least the size of the topic that keeps the most
  private long sequence;
  private long forgottenUpTo; // the newest event let go of by a topic no longer remembered
  private long evictedSequence;
  private @Nullable String evictedId; // the id of the newest event let go of, if it had one
  /**
   * A cluster's log order of ids, which is also the order of sequence; {@code null} on one node. Only compared with
   * on a replay from an id not kept, never per event: the log's ids are parsed to compare them.
   */
  private final @Nullable Comparator<String> idOrder;
  private @Nullable String firstId; // with idOrder: the first id recorded since the start or the last clear
  private @Nullable String newestId; // with idOrder: the newest id recorded
  private @Nullable String forgottenId; // with idOrder: the newest id let go of by a topic no longer remembered

  /**
   * Makes an empty history.
   *
   * @param capacity how many events to keep in all, at least 1
   * @param perTopic how many events each topic (and the broadcasts) keeps, at least 1
   * @param maxAgeNanos how long to keep an event, or {@code Long.MAX_VALUE} for no limit
   */
  History(int capacity, int perTopic, long maxAgeNanos) {
    this(capacity, perTopic, maxAgeNanos, null);
  }

  /**
   * Makes an empty history of a cluster node, whose events come in the log's order.
   *
   * @param idOrder the log's order of ids, or {@code null} on one node
   */
  History(int capacity, int perTopic, long maxAgeNanos, @Nullable Comparator<String> idOrder) {
    this.capacity = capacity;
    this.perTopic = Math.min(perTopic, capacity);
    this.maxAgeNanos = maxAgeNanos;
    this.idOrder = idOrder;
  }

  /**
   * Keeps an event.
   *
   * @param id its id, if it has one
   * @param published the topics it was published to, or {@code null} for a broadcast
   */
  void add(@Nullable String id, String @Nullable [] published, Frame frame, long nowNanos) {
    expire(nowNanos);
    Entry entry = new Entry(++sequence, id, published, frame, nowNanos);
    entries.put(entry.sequence, entry);
    if (id != null) {
      byId.put(id, entry);
      if (idOrder != null) {
        firstId = firstId == null ? id : firstId;
        newestId = id;
      }
    }
    for (String key : entry.keys()) {
      Topic topic = topics.get(key);
      if (topic == null) {
        Topic remembered = emptied.remove(key);
        topic = remembered != null ? remembered : new Topic(key);
        topics.put(key, topic);
      }
      topic.kept.addLast(entry);
      resized(topic, topic.kept.size() - 1);
      if (topic.kept.size() > perTopic) {
        evict(topic.kept.getFirst());
      }
    }
    while (entries.size() > capacity) {
      evict(largest().kept.getFirst());
    }
  }

  /**
   * Returns the events after the one with this id that a client hears, oldest first.
   *
   * @param subscription the client's topics
   * @return the events, possibly none; {@code null} if the id is not kept, or the client may have missed an event
   *     that is no longer kept
   */
  @Nullable List<Frame> after(String id, ClientTopics subscription, long nowNanos) {
    expire(nowNanos);
    Entry entry = byId.get(id);
    if (entry != null) {
      return replay(entry.sequence, subscription);
    }
    return idOrder == null ? null : afterInOrder(id, subscription, idOrder);
  }

  /**
   * On a cluster node: the events a client hears after an id that is not kept, if this history has recorded every
   * entry of the log since it (the id is not older than the first one recorded) and let go of none the client
   * hears since. An id at or past the newest recorded is left to the cluster, which knows where the log is.
   */
  private @Nullable List<Frame> afterInOrder(String id, ClientTopics subscription, Comparator<String> order) {
    String first = firstId;
    String newest = newestId;
    try {
      if (first == null || newest == null || order.compare(id, first) < 0 || order.compare(id, newest) >= 0) {
        return null;
      }
      if (!subscription.hearsBroadcastsOnly() && forgottenId != null && order.compare(forgottenId, id) > 0) {
        return null; // a topic it may hear lost events after its id, and is forgotten
      }
      for (Map<String, Topic> remembered : List.of(topics, emptied)) {
        for (Topic topic : heardBy(subscription, remembered)) {
          if (topic.lostId != null && order.compare(topic.lostId, id) > 0) {
            return null;
          }
        }
      }
    } catch (IllegalArgumentException e) {
      return null; // not one of the log's ids
    }
    // The kept events after the id, found from the newest back (sequence is the log's order), then put oldest first.
    List<Frame> missed = new ArrayList<>();
    for (Entry entry : entries.descendingMap().values()) {
      if (entry.id != null && order.compare(entry.id, id) <= 0) {
        break;
      }
      if (subscription.hears(entry.published)) {
        missed.add(entry.frame);
      }
    }
    Collections.reverse(missed);
    return missed;
  }

  /**
   * Returns every event a client hears since the first one this history took, if it still holds them all.
   *
   * @param subscription the client's topics
   * @return the events, possibly none; {@code null} if some that it hears were let go of
   */
  @Nullable List<Frame> fromStart(ClientTopics subscription, long nowNanos) {
    expire(nowNanos);
    return replay(0, subscription);
  }

  /**
   * Returns the id of the newest kept event a client hears, its position.
   *
   * @return the id, or {@code null} if no such event is kept
   */
  @Nullable String newestHeardBy(ClientTopics subscription) {
    Entry newest = null;
    for (Topic topic : heardBy(subscription, topics)) {
      Entry last = topic.kept.peekLast();
      if (last != null && last.id != null && (newest == null || last.sequence > newest.sequence)) {
        newest = last;
      }
    }
    return newest == null ? null : newest.id;
  }

  /** Whether a client that hears these topics lost an event after the first {@code from} in sequence, at most. */
  boolean lostAnyAfter(long from, ClientTopics subscription) {
    if (!subscription.hearsBroadcastsOnly() && forgottenUpTo > from) {
      return true; // a topic it may hear lost events after its id, and is forgotten; the broadcasts never are
    }
    for (Map<String, Topic> remembered : List.of(topics, emptied)) {
      for (Topic topic : heardBy(subscription, remembered)) {
        if (topic.lostUpTo > from) {
          return true;
        }
      }
    }
    return false;
  }

  private @Nullable List<Frame> replay(long from, ClientTopics subscription) {
    if (lostAnyAfter(from, subscription)) {
      return null;
    }
    List<Frame> missed = new ArrayList<>();
    for (Entry entry : entries.tailMap(from, false).values()) {
      if (subscription.hears(entry.published)) {
        missed.add(entry.frame);
      }
    }
    return missed;
  }

  /** The remembered topics a client hears: looked up by name, or for a client with patterns, all matched. */
  private static Iterable<Topic> heardBy(ClientTopics subscription, Map<String, Topic> remembered) {
    List<Topic> heard = new ArrayList<>();
    if (subscription.patterns() > 0) {
      for (Topic topic : remembered.values()) {
        if (topic.key.equals(BROADCASTS) || subscription.hears(new String[] {topic.key})) { // identities too
          heard.add(topic);
        }
      }
      return heard;
    }
    Topic broadcasts = remembered.get(BROADCASTS);
    if (broadcasts != null) {
      heard.add(broadcasts);
    }
    for (String name : subscription.topics()) {
      Topic topic = remembered.get(name);
      if (topic != null) {
        heard.add(topic);
      }
    }
    String identity = subscription.identityKey();
    Topic own = identity == null ? null : remembered.get(identity);
    if (own != null) {
      heard.add(own);
    }
    return heard;
  }

  /** Drops every event; sequence numbers go on from where they were. */
  void clear() {
    while (!entries.isEmpty()) {
      evict(entries.firstEntry().getValue());
    }
    firstId = null; // on a cluster, what came before is no longer known to be whole
  }

  /**
   * Returns the id of the newest event this history let go of, if it is full now: every id older than that one is
   * followed by more events than the history holds, which is a replay miss without a look at any log.
   *
   * @return that id, or {@code null} if the history is not full (its age limit dropped some, or it is young) or
   *     the event had no id
   */
  @Nullable String evictedIdIfFull(long nowNanos) {
    expire(nowNanos);
    return entries.size() == capacity ? evictedId : null;
  }

  int size() {
    return entries.size();
  }

  private void expire(long nowNanos) {
    if (maxAgeNanos == Long.MAX_VALUE) {
      return;
    }
    while (!entries.isEmpty() && nowNanos - entries.firstEntry().getValue().time > maxAgeNanos) {
      evict(entries.firstEntry().getValue());
    }
  }

  /** Lets an event go from every topic that keeps it, each remembering the loss. */
  private void evict(Entry entry) {
    entries.remove(entry.sequence);
    if (entry.id != null) {
      byId.remove(entry.id, entry);
    }
    if (entry.sequence > evictedSequence) {
      evictedSequence = entry.sequence;
      evictedId = entry.id;
    }
    for (String key : entry.keys()) {
      Topic topic = topics.get(key);
      if (topic == null || !topic.kept.removeFirstOccurrence(entry)) {
        continue; // a topic named twice in one publish keeps it once
      }
      topic.lostUpTo = Math.max(topic.lostUpTo, entry.sequence);
      if (idOrder != null && entry.id != null) {
        topic.lostId = entry.id; // a topic lets its events go oldest first
      }
      resized(topic, topic.kept.size() + 1);
      if (topic.kept.isEmpty() && !key.equals(BROADCASTS)) {
        topics.remove(key);
        emptied.put(key, topic);
        if (emptied.size() > capacity) {
          Iterator<Topic> eldest = emptied.values().iterator();
          Topic forgotten = eldest.next();
          forgottenUpTo = Math.max(forgottenUpTo, forgotten.lostUpTo);
          forgottenId = newer(forgottenId, forgotten.lostId);
          eldest.remove();
        }
      }
    }
  }

  /** The newer of two ids in the log's order, either of them possibly {@code null}. */
  private @Nullable String newer(@Nullable String a, @Nullable String b) {
    if (a == null || b == null || idOrder == null) {
      return a == null ? b : a;
    }
    return idOrder.compare(a, b) >= 0 ? a : b;
  }

  /**
   * Moves a topic to the bucket of its size now. A bucket left empty is reused for the new size if that has none:
   * a full history's topic goes one up and one down per event, and would otherwise make a bucket each time.
   */
  private void resized(Topic topic, int before) {
    int after = topic.kept.size();
    LinkedHashMap<String, Topic> spare = null;
    if (before > 0) {
      LinkedHashMap<String, Topic> bucket = bySize.get(before);
      bucket.remove(topic.key);
      if (bucket.isEmpty()) {
        bySize.remove(before);
        spare = bucket;
      }
    }
    if (after > 0) {
      LinkedHashMap<String, Topic> bucket = bySize.get(after);
      if (bucket == null) {
        bucket = spare != null ? spare : new LinkedHashMap<>();
        bySize.put(after, bucket);
      }
      bucket.put(topic.key, topic);
      largest = Math.max(largest, after);
    }
  }

  /** The topic that keeps the most events, the one that gives one up when the total is over. */
  private Topic largest() {
    while (!bySize.containsKey(largest)) {
      largest--;
    }
    return bySize.get(largest).values().iterator().next();
  }

  /** One kept event. */
  private record Entry(long sequence, @Nullable String id, String @Nullable [] published, Frame frame, long time) {
    /** The topics that keep it: its own, or the broadcasts'. */
    String[] keys() {
      return published == null ? new String[] {BROADCASTS} : published;
    }
  }

  /** A topic's kept events, oldest first, and the newest one it let go of. */
  private static final class Topic {
    final String key;
    final ArrayDeque<Entry> kept = new ArrayDeque<>();
    long lostUpTo;
    @Nullable String lostId; // on a cluster: the id of the newest event let go of

    Topic(String key) {
      this.key = key;
    }
  }
}
