package dev.herald.sse.bench;

import dev.herald.sse.bench.load.LoadCommand;
import dev.herald.sse.bench.report.ReportCommand;
import dev.herald.sse.bench.server.ServerCommand;
import java.util.Arrays;

/**
 * The benchmark jar's entry point: {@code jmh …}, {@code server …}, {@code load …}, {@code report …} or
 * {@code topic-memory …}.
 */
public final class Main {
  static final String USAGE = String.join("\n",
      "Usage: java -jar sse-bench/target/sse-bench.jar COMMAND [options]",
      "",
      "Commands:",
      "  jmh [JMH options]   the engine's micro-benchmarks (e.g. jmh -prof gc Encode); jmh -h for JMH's options",
      "  server [options]    a server to load: --transport netty|raw --port P (server --help)",
      "  load [options]      opens SSE clients against a loopback server and reports one JSON line (load --help)",
      "  report [options]    turns results (JSON lines) into a Markdown table and SVG charts (report --help)",
      "  topic-memory [N]    the heap a topic with one subscriber costs, over N clients (default 100000)");

  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      System.out.println(USAGE);
      return;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "jmh" -> org.openjdk.jmh.Main.main(rest);
      case "server" -> System.exit(ServerCommand.run(rest));
      case "load" -> System.exit(LoadCommand.run(rest));
      case "report" -> System.exit(ReportCommand.run(rest));
      case "topic-memory" -> System.exit(TopicMemory.run(rest));
      default -> {
        System.err.println("unknown command: " + args[0] + "\n\n" + USAGE);
        System.exit(2);
      }
    }
  }
}
