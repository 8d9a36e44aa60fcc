package dev.herald.sse.core.internal;

import java.util.List;
import java.util.Locale;

/**
 * Reads an {@code Accept} header the way RFC 9110 section 12.5.1 does, for one question: may the response be
 * {@code text/event-stream}? And an {@code Accept-Encoding} header as section 12.5.3 does, for another: may it be
 * gzip?
 */
public final class AcceptHeader {
  private AcceptHeader() {}

  /**
   * Tells whether {@code Accept} headers allow {@code text/event-stream}: no header at all does; otherwise the
   * most specific media range that matches ({@code text/event-stream}, then {@code text/*}, then {@code *}{@code /*})
   * decides, and allows it unless its {@code q} is 0.
   *
   * @param values every {@code Accept} header of the request, possibly none
   * @return {@code true} if an event stream is acceptable
   */
  public static boolean allowsEventStream(List<String> values) {
    if (values.isEmpty()) {
      return true;
    }
    int bestSpecificity = 0;
    double bestQ = 0;
    for (String value : values) {
      for (String range : value.split(",", -1)) {
        String[] parts = range.split(";", -1);
        int specificity = specificity(parts[0].trim().toLowerCase(Locale.ROOT));
        if (specificity == 0 || specificity < bestSpecificity) {
          continue;
        }
        double q = quality(parts);
        if (specificity > bestSpecificity || q > bestQ) {
          bestSpecificity = specificity;
          bestQ = q;
        }
      }
    }
    if (bestSpecificity == 0) {
      // Only blank ranges (a header with no value) say nothing; ranges that name other types exclude us.
      return values.stream().allMatch(AcceptHeader::isBlank);
    }
    return bestQ > 0;
  }

  private static boolean isBlank(String value) {
    return value.replace(',', ' ').isBlank();
  }

  private static int specificity(String mediaRange) {
    switch (mediaRange) {
      case "text/event-stream":
        return 3;
      case "text/*":
        return 2;
      case "*/*":
        return 1;
      default:
        return 0;
    }
  }

  /**
   * Tells whether {@code Accept-Encoding} headers allow a gzip response: {@code gzip} (or its alias
   * {@code x-gzip}) listed with a weight above 0, or, if gzip is not listed, {@code *} with a weight above 0. No
   * header means no preference, which this answers with no: a client that can decode gzip says so.
   *
   * @param values every {@code Accept-Encoding} header of the request, possibly none
   * @return {@code true} if the response may be gzip-encoded
   */
  public static boolean allowsGzip(List<String> values) {
    double gzip = -1;
    double any = -1;
    for (String value : values) {
      for (String coding : value.split(",", -1)) {
        String[] parts = coding.split(";", -1);
        String name = parts[0].trim().toLowerCase(Locale.ROOT);
        if (name.equals("gzip") || name.equals("x-gzip")) {
          gzip = Math.max(gzip, quality(parts));
        } else if (name.equals("*")) {
          any = Math.max(any, quality(parts));
        }
      }
    }
    return gzip >= 0 ? gzip > 0 : any > 0;
  }

  private static double quality(String[] parts) {
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].trim();
      int eq = parameter.indexOf('=');
      if (eq > 0 && parameter.substring(0, eq).trim().equalsIgnoreCase("q")) {
        try {
          return Double.parseDouble(parameter.substring(eq + 1).trim());
        } catch (NumberFormatException e) {
          return 1; // a malformed weight is ignored, as if absent
        }
      }
    }
    return 1;
  }
}
