package dev.herald.sse.bench.load;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Reads a process's resident memory and CPU time from Linux's {@code /proc}; -1 where it cannot. */
final class Proc {
  /** Clock ticks per second of {@code /proc/PID/stat}: USER_HZ, 100 on every Linux that matters. */
  private static final double TICKS = 100.0;

  private Proc() {}

  /** Resident set size in bytes ({@code VmRSS}). */
  static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.substring(6).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** User plus system CPU seconds ({@code utime + stime}). */
  static double cpuSeconds(long pid) {
    try {
      return cpuSeconds(Path.of("/proc/" + pid + "/stat"));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static double cpuSeconds(Path stat) throws IOException {
    String text = Files.readString(stat);
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS;
  }

  /**
   * Each live thread's name and CPU seconds so far, by thread id ({@code /proc/PID/task}); empty where it cannot
   * read them. Linux keeps the first 15 characters of a thread's name.
   */
  static Map<String, ThreadCpu> threads(long pid) {
    Map<String, ThreadCpu> threads = new HashMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks) {
        try {
          String name = Files.readString(task.resolve("comm")).strip();
          threads.put(task.getFileName().toString(), new ThreadCpu(name, cpuSeconds(task.resolve("stat"))));
        } catch (IOException | RuntimeException e) {
          // the thread ended while we looked
        }
      }
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return threads;
  }

  /** A thread's name and its CPU seconds so far. */
  record ThreadCpu(String name, double seconds) {}

  /**
   * Where a process's CPU went between two looks, by kind of thread (names with their numbers taken out, so that
   * a pool's threads add up), largest first, as {@code "name 1.23 s; ..."}; the CPU of threads that ended in
   * between (a burst's producer thread, say) is the process's total less the rest, named "threads that ended".
   *
   * @param before {@link #threads} at the first look
   * @param after {@link #threads} at the second
   * @param total the process's CPU seconds between them ({@link #cpuSeconds} after less before)
   */
  static String cpuByThreadKind(Map<String, ThreadCpu> before, Map<String, ThreadCpu> after, double total) {
    if (after.isEmpty() || total < 0) {
      return "";
    }
    Map<String, Double> kinds = new HashMap<>();
    double seen = 0;
    for (Map.Entry<String, ThreadCpu> thread : after.entrySet()) {
      ThreadCpu earlier = before.get(thread.getKey());
      double spent = thread.getValue().seconds() - (earlier == null ? 0 : earlier.seconds());
      seen += spent;
      kinds.merge(thread.getValue().name().replaceAll("[-#]?\\d+", ""), spent, Double::sum);
    }
    kinds.merge("threads that ended", Math.max(0, total - seen), Double::sum);
    return kinds.entrySet().stream()
        .filter(kind -> kind.getValue() >= 0.005)
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .map(kind -> String.format(Locale.ROOT, "%s %.2f s", kind.getKey(), kind.getValue()))
        .collect(Collectors.joining("; "));
  }
}
