package dev.herald.sse.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Flat JSON objects of strings and numbers: what the load tool writes and the report reads. */
public final class Json {
  private static final Pattern MEMBER =
      Pattern.compile("\"([^\"\\\\]+)\"\\s*:\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|-?[0-9][0-9.eE+-]*|null|true|false)");

  private Json() {}

  /** Writes a flat object; values are strings, numbers, booleans or null, in the map's order. */
  public static String write(Map<String, ?> object) {
    StringBuilder out = new StringBuilder("{");
    for (Map.Entry<String, ?> member : object.entrySet()) {
      if (out.length() > 1) {
        out.append(',');
      }
      out.append('"').append(member.getKey()).append("\":");
      Object value = member.getValue();
      if (value == null || value instanceof Boolean || value instanceof Integer || value instanceof Long) {
        out.append(value);
      } else if (value instanceof Number number) {
        double d = number.doubleValue();
        out.append(Double.isFinite(d) ? String.format(Locale.ROOT, "%.3f", d) : "null");
      } else {
        out.append('"').append(escape(value.toString())).append('"');
      }
    }
    return out.append('}').toString();
  }

  /** Reads a flat object written by {@link #write}: strings stay strings, numbers become doubles. */
  public static Map<String, Object> read(String line) {
    Map<String, Object> object = new LinkedHashMap<>();
    Matcher m = MEMBER.matcher(line);
    while (m.find()) {
      String raw = m.group(2);
      Object value;
      if (m.group(3) != null) {
        value = unescape(m.group(3));
      } else if (raw.equals("null")) {
        value = null;
      } else if (raw.equals("true") || raw.equals("false")) {
        value = Boolean.valueOf(raw);
      } else {
        value = Double.valueOf(raw);
      }
      object.put(m.group(1), value);
    }
    return object;
  }

  static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> {
          if (c < 0x20) {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }

  static String unescape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char next = s.charAt(++i);
        switch (next) {
          case 'n' -> out.append('\n');
          case 'u' -> {
            out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
            i += 4;
          }
          default -> out.append(next);
        }
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
