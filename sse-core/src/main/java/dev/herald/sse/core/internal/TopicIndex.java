package dev.herald.sse.core.internal;

import dev.herald.sse.Topics;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The index from topics to their subscribers: a tree of segments in which each subscription (a name or a pattern)
 * is a path, so that the subscribers of a publish are found by walking the published name's segments, following
 * the exact segment and the {@code *} branch at each level and taking the {@code **} subscribers on the way. A
 * publish's cost grows with the matching subscribers and the name's segments, not with the number of clients or
 * topics; a subscription that leaves its node empty prunes it, so an unused topic holds nothing.
 *
 * <p><b>Threading.</b> Not thread-safe: the broadcaster's lock guards it, and each channel's {@code routeMark}.
 */
final class TopicIndex {
  private final Node root = new Node(null, "");
  private long marks; // the last mark given to a match
  private int used; // nodes with at least one subscriber: the topics and patterns in use

  /**
   * Adds a channel as a subscriber of a name or pattern.
   *
   * @return whether it is the first
   */
  boolean add(DefaultChannel channel, String topic) {
    Node node = root;
    for (String segment : segments(topic)) {
      node = node.child(segment);
    }
    boolean first = node.subscribers.add(channel) && node.subscribers.size() == 1;
    if (first) {
      used++;
    }
    return first;
  }

  /**
   * Removes a channel from a name's or pattern's subscribers, pruning the nodes that are left empty.
   *
   * @return whether it was the last
   */
  boolean remove(DefaultChannel channel, String topic) {
    Node node = find(topic);
    if (node == null || !node.subscribers.remove(channel)) {
      return false;
    }
    boolean last = node.subscribers.isEmpty();
    if (last) {
      used--;
    }
    while (node.parent != null && node.isEmpty()) {
      node.parent.children().remove(node.segment);
      node = node.parent;
    }
    return last;
  }

  /**
   * Adds to {@code out} every channel subscribed to a name or a pattern that matches one of these names, each once.
   *
   * @param names checked names, no patterns
   * @param out where the channels go
   */
  void match(String[] names, List<DefaultChannel> out) {
    long mark = ++marks;
    for (String name : names) {
      collect(root, segments(name), 0, mark, out);
    }
  }

  /** How many channels subscribed to exactly this name or pattern. */
  int subscribers(String topic) {
    Node node = find(topic);
    return node == null ? 0 : node.subscribers.size();
  }

  /** How many names and patterns have at least one subscriber. */
  int size() {
    return used;
  }

  /** Whether no channel is subscribed to anything: the index holds nothing. */
  boolean isEmpty() {
    return root.isEmpty();
  }

  private @Nullable Node find(String topic) {
    Node node = root;
    for (String segment : segments(topic)) {
      Map<String, Node> children = node.children;
      node = children == null ? null : children.get(segment);
      if (node == null) {
        return null;
      }
    }
    return node;
  }

  private static void collect(Node node, String[] segments, int depth, long mark, List<DefaultChannel> out) {
    if (depth == segments.length) {
      take(node, mark, out);
      return;
    }
    Map<String, Node> children = node.children;
    if (children == null) {
      return;
    }
    Node exact = children.get(segments[depth]);
    if (exact != null) {
      collect(exact, segments, depth + 1, mark, out);
    }
    Node one = children.get(Topics.ONE);
    if (one != null) {
      collect(one, segments, depth + 1, mark, out);
    }
    Node rest = children.get(Topics.REST);
    if (rest != null) {
      take(rest, mark, out); // one or more segments: segments[depth] is at least one
    }
  }

  private static void take(Node node, long mark, List<DefaultChannel> out) {
    for (DefaultChannel channel : node.subscribers) {
      if (channel.routeMark != mark) {
        channel.routeMark = mark;
        out.add(channel);
      }
    }
  }

  private static String[] segments(String topic) {
    return topic.split("/", -1);
  }

  /** One segment of a path: its subscribers and the segments that follow it. */
  private static final class Node {
    final @Nullable Node parent;
    final String segment;
    // In subscription order, so that a fan-out's order does not depend on identity hash codes.
    final Set<DefaultChannel> subscribers = new LinkedHashSet<>(4);
    @Nullable Map<String, Node> children; // made at the first child

    Node(@Nullable Node parent, String segment) {
      this.parent = parent;
      this.segment = segment;
    }

    Node child(String segment) {
      Map<String, Node> map = children;
      if (map == null) {
        map = new HashMap<>(4);
        children = map;
      }
      return map.computeIfAbsent(segment, s -> new Node(this, s));
    }

    Map<String, Node> children() {
      Map<String, Node> map = children;
      if (map == null) {
        throw new IllegalStateException("no children");
      }
      return map;
    }

    boolean isEmpty() {
      return subscribers.isEmpty() && (children == null || children.isEmpty());
    }
  }
}
