package dev.herald.sse.core;

import static java.util.Objects.requireNonNull;

import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What any HTTP server knows about a request for an event stream, as the {@link Handshake} reads it.
 *
 * <p>A transport implements it as a thin view of its own request object (a servlet request, a Netty
 * {@code HttpRequest}); {@link #of(String, Map, Map)} makes one from plain values, for tests and simple hosts. The
 * handshake reads the method, the {@code Accept} and {@code Last-Event-ID} headers, and the {@code topic} and
 * {@code lastEventId} query parameters; an application's {@link Authorizer} may read all of it.
 *
 * <p><b>Threading and ownership.</b> The handshake reads a request once, on the thread that answers it, and keeps
 * nothing of it after {@link Handshake#answer(SseRequest)} returns: a view may wrap an object that the host
 * recycles after the request is answered.
 */
public interface SseRequest {

  /**
   * Returns the request's method, as sent.
   *
   * @return the method, such as {@code GET}
   */
  String method();

  /**
   * Returns every value of a header, in order: one per header line, as sent (a line listing several values with
   * commas is one value here).
   *
   * @param name the header's name, in any case
   * @return the values, empty if the request has no such header
   */
  List<String> headers(String name);

  /**
   * Returns the first value of a header.
   *
   * @param name the header's name, in any case
   * @return its first value, or {@code null} if the request has no such header
   */
  default @Nullable String header(String name) {
    List<String> values = headers(name);
    return values.isEmpty() ? null : values.get(0);
  }

  /**
   * Returns every value of a query parameter, decoded.
   *
   * @param name the parameter's name
   * @return its values in order, empty if the request has none (the default: a host that does not say)
   */
  default List<String> queryParameters(String name) {
    return List.of();
  }

  /**
   * Returns the request's path, as sent: not decoded, without the query.
   *
   * @return the path, such as {@code /events}, or {@code null} if the host does not say (the default)
   */
  default @Nullable String path() {
    return null;
  }

  /**
   * Returns the client's address, as the connection shows it (a proxy's, behind one).
   *
   * @return the IP address as text, such as {@code 127.0.0.1}, or {@code null} if the host does not say (the
   *     default)
   */
  default @Nullable String remoteAddress() {
    return null;
  }

  /**
   * Returns the value of a cookie the request carries, read from its {@code Cookie} headers (RFC 6265, section
   * 5.4: {@code name=value} pairs separated by {@code ;}); surrounding double quotes are removed.
   *
   * @param name the cookie's name, compared exactly
   * @return the first such cookie's value, or {@code null} if there is none
   */
  default @Nullable String cookie(String name) {
    requireNonNull(name, "name");
    for (String line : headers("Cookie")) {
      for (String pair : line.split(";")) {
        int equals = pair.indexOf('=');
        if (equals > 0 && pair.substring(0, equals).trim().equals(name)) {
          String value = pair.substring(equals + 1).trim();
          return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
              ? value.substring(1, value.length() - 1) : value;
        }
      }
    }
    return null;
  }

  /**
   * Returns the user the host authenticated for this request.
   *
   * @return the principal, or {@code null} if none (the default: a host that does not say)
   */
  default @Nullable Principal principal() {
    return null;
  }

  /**
   * Makes a request from plain values.
   *
   * @param method the method, such as {@code GET}
   * @param headers each header's values, one per header line; names in any case
   * @return an immutable request with no query parameters and no principal
   */
  static SseRequest of(String method, Map<String, List<String>> headers) {
    return of(method, headers, Map.of());
  }

  /**
   * Makes a request from plain values, with query parameters.
   *
   * @param method the method, such as {@code GET}
   * @param headers each header's values, one per header line; names in any case
   * @param query each query parameter's decoded values, in order; names as sent
   * @return an immutable request with no principal
   */
  static SseRequest of(String method, Map<String, List<String>> headers, Map<String, List<String>> query) {
    requireNonNull(method, "method");
    Map<String, List<String>> parameters = new TreeMap<>();
    query.forEach((name, values) -> parameters.put(name, List.copyOf(values)));
    Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach((name, values) ->
        byName.computeIfAbsent(name.toLowerCase(Locale.ROOT), key -> new ArrayList<>()).addAll(values));
    byName.replaceAll((name, values) -> List.copyOf(values));
    return new SseRequest() {
      @Override
      public String method() {
        return method;
      }

      @Override
      public List<String> headers(String name) {
        return byName.getOrDefault(name, List.of());
      }

      @Override
      public List<String> queryParameters(String name) {
        return parameters.getOrDefault(name, List.of());
      }

      @Override
      public String toString() {
        return method + " " + parameters + " " + byName;
      }
    };
  }
}
