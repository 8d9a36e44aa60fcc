package dev.herald.sse.bench;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.spi.SseChannel;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Measures what a topic with one subscriber costs in heap (issue 15): the retained heap of a broadcaster with
 * {@code N} clients each on a topic of its own, less that of {@code N} clients with no topic, divided by {@code N};
 * then what one event published to each of those topics adds while the history keeps it (a history of {@code N}
 * events, ids assigned). The topic names are made
 * before either is measured, so the figures are the engine's own, without the names' strings (an application has
 * those anyway). Heap is read after full collections, until two readings agree within 0.5 %.
 *
 * <p>Run as {@code java -Xmx2g -jar sse-bench.jar topic-memory [N]} (default 100,000). It prints a few lines of
 * text; nothing of it is asserted anywhere.
 */
final class TopicMemory {
  private TopicMemory() {}

  static int run(String[] args) throws InterruptedException {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    String[] names = new String[n];
    for (int i = 0; i < n; i++) {
      names[i] = "rooms/" + i;
    }
    // Ids and a history that holds one event of every topic (the default keeps 4,096 events in all).
    BroadcasterConfig.Builder config = BroadcasterConfig.builder().heartbeat(Duration.ZERO).maxClients(n + 1)
        .assignIds(true).history(Math.max(n, 4096));

    long empty = retained();
    Broadcaster plain = Broadcasters.create(config.build());
    SseChannel[] plainClients = new SseChannel[n];
    for (int i = 0; i < n; i++) {
      plainClients[i] = plain.subscribe(null);
    }
    long withPlain = retained();
    plain.close();
    plainClients = null;

    long emptyAgain = retained();
    Broadcaster topical = Broadcasters.create(config.build());
    SseChannel[] topicClients = new SseChannel[n];
    for (int i = 0; i < n; i++) {
      topicClients[i] = topical.subscribe(null, List.of(names[i]));
    }
    long withTopics = retained();
    Data event = Data.of("x");
    for (int i = 0; i < n; i++) {
      topical.publish(names[i], event);
      while (topicClients[i].poll() != null) {
        // drained: what stays is the history's entry
      }
    }
    long withHistory = retained();
    int topics = topical.stats().topics();
    topical.close();

    double perClient = (withPlain - empty) / (double) n;
    double perTopicClient = (withTopics - emptyAgain) / (double) n;
    System.out.printf(Locale.ROOT, "clients: %,d; topics in use: %,d; heap: %s%n", n, topics,
        ManagementFactory.getRuntimeMXBean().getInputArguments());
    System.out.printf(Locale.ROOT, "a client with no topic:            %,.0f bytes%n", perClient);
    System.out.printf(Locale.ROOT, "a client on a topic of its own:    %,.0f bytes%n", perTopicClient);
    System.out.printf(Locale.ROOT, "so a topic with one subscriber:    %,.0f bytes (index node, its map entry and"
        + " subscriber set, the client's topic array)%n", perTopicClient - perClient);
    System.out.printf(Locale.ROOT, "one event kept in each topic's history: %,.0f bytes a topic%n",
        (withHistory - withTopics) / (double) n);
    return 0;
  }

  /** The heap in use after full collections, once two readings agree within 0.5 % (at most ten collections). */
  private static long retained() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long previous = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      System.gc();
      Thread.sleep(50); // let the collector's reference processing settle; a tool, not a test
      long used = memory.getHeapMemoryUsage().getUsed();
      if (Math.abs(used - previous) < previous / 200) {
        return used;
      }
      previous = used;
    }
    return previous;
  }
}
