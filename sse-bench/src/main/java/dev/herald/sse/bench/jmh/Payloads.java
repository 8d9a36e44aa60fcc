package dev.herald.sse.bench.jmh;

/** Event payloads of exact sizes, in ASCII so that characters and bytes agree. */
final class Payloads {
  private Payloads() {}

  /** One line of {@code size} characters. */
  static String text(int size) {
    StringBuilder out = new StringBuilder(size);
    for (int i = 0; i < size; i++) {
      out.append((char) ('a' + i % 26));
    }
    return out.toString();
  }

  /** {@code size} characters in {@code lines} lines joined by LF (the line breaks count in the size). */
  static String lines(int size, int lines) {
    int perLine = (size - (lines - 1)) / lines;
    StringBuilder out = new StringBuilder(size);
    for (int line = 0; line < lines; line++) {
      if (line > 0) {
        out.append('\n');
      }
      int length = line == lines - 1 ? size - out.length() : perLine;
      for (int i = 0; i < length; i++) {
        out.append((char) ('a' + (line + i) % 26));
      }
    }
    return out.toString();
  }
}
