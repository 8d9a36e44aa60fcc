package dev.herald.sse.examples;

import dev.herald.sse.BackplaneUnavailableException;
import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.InvalidTopicException;
import dev.herald.sse.examples.ExampleApp.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The example's topic routes: {@code /publish} (from the query or the body), {@code /login} and
 * {@code /stats?topic=NAME}. A published event is named {@value #EVENT} and its data is
 * {@code {"topic":"rooms/7","msg":"hello"}}, so that a page subscribed to several topics, or to a pattern, can
 * tell which topic each event came from (the engine writes nothing about the topic on the wire).
 *
 * <p><b>Threading.</b> Safe to use from any number of request threads at once.
 */
final class TopicRoutes {
  /** The name of a published event. */
  static final String EVENT = "publish";

  private final Broadcaster broadcaster;
  private final UserCookies users;

  TopicRoutes(Broadcaster broadcaster, UserCookies users) {
    this.broadcaster = broadcaster;
    this.users = users;
  }

  /**
   * Publishes {@code GET /publish?topic=NAME&msg=TEXT}, or a {@code POST /publish?topic=NAME} body.
   *
   * @param rawQuery the request's query, still encoded
   * @param body the body as text, or {@code null} to take the {@code msg} parameter
   * @return {@code 200 msg sent} (on a cluster node: handed to Redis, which sends it to every node's subscribers);
   *     {@code 400} with the reason for a missing or bad topic or message; {@code 501} if the cluster's backplane
   *     cannot carry topics; {@code 503} while shutting down or while Redis is known to be away
   */
  Reply publish(String rawQuery, @Nullable String body) {
    return withQuery(rawQuery, query -> publish(query, body));
  }

  private Reply publish(Map<String, List<String>> query, @Nullable String body) {
    List<String> topics = query.getOrDefault("topic", List.of());
    if (topics.size() != 1) {
      return Reply.text(400, "name one topic: /publish?topic=NAME");
    }
    String topic = topics.get(0);
    String message = body;
    if (message == null) {
      List<String> msg = query.getOrDefault("msg", List.of());
      if (msg.size() != 1) {
        return Reply.text(400, "give one message: /publish?topic=NAME&msg=TEXT, or POST the message");
      }
      message = msg.get(0);
    }
    try {
      broadcaster.publish(topic, Data.of("{\"topic\":" + json(topic) + ",\"msg\":" + json(message) + "}")
          .withName(EVENT));
    } catch (IllegalArgumentException e) { // a bad topic (InvalidTopicException), or an event too large
      return Reply.text(400, oneLine(e.getMessage()));
    } catch (UnsupportedOperationException e) {
      return Reply.text(501, "this cluster's backplane does not carry topics; broadcast with /events");
    } catch (IllegalStateException e) {
      return Reply.text(503, "shutting down");
    } catch (BackplaneUnavailableException e) {
      return new Reply(503, "text/plain; charset=utf-8",
          "not published: Redis is unreachable\n".getBytes(StandardCharsets.UTF_8), Map.of("Retry-After", "1"));
    }
    return Reply.text(200, "msg sent");
  }

  /**
   * Signs a user in: {@code GET /login?user=NAME} sets the signed cookie.
   *
   * @param rawQuery the request's query, still encoded
   * @return {@code 200} with {@code Set-Cookie}, or {@code 400} with the reason
   */
  Reply login(String rawQuery) {
    return withQuery(rawQuery, query -> login(query.getOrDefault("user", List.of())));
  }

  private Reply login(List<String> names) {
    String user = names.size() == 1 ? names.get(0) : null;
    String refusal = UserCookies.refusal(user);
    if (user == null || refusal != null) {
      return Reply.text(400, names.size() == 1 ? refusal : "name one user: /login?user=NAME");
    }
    return new Reply(200, "text/plain; charset=utf-8",
        ("signed in as " + user + "; your topic is " + UserCookies.PRIVATE + "/" + user + "\n")
            .getBytes(StandardCharsets.UTF_8),
        Map.of("Set-Cookie", users.setCookie(user), "Cache-Control", "no-store"));
  }

  /**
   * Answers {@code /stats} with a {@code topic} parameter: how many streams hear that topic now.
   *
   * @param rawQuery the request's query, still encoded
   * @return {@code 200} with {@code {"topic":NAME,"subscribers":N}} (an array of them for several topics), or
   *     {@code 400} for a bad name
   */
  Reply topicStats(String rawQuery) {
    return withQuery(rawQuery, query -> topicStats(query.getOrDefault("topic", List.of())));
  }

  private Reply topicStats(List<String> topics) {
    StringBuilder json = new StringBuilder();
    for (String topic : topics) {
      int subscribers;
      try {
        subscribers = broadcaster.subscriberCount(topic);
      } catch (InvalidTopicException e) {
        return Reply.text(400, oneLine(e.getMessage()));
      }
      json.append(json.length() == 0 ? "" : ",").append("{\"topic\":").append(json(topic))
          .append(",\"subscribers\":").append(subscribers).append('}');
    }
    String body = topics.size() == 1 ? json + "\n" : "[" + json + "]\n";
    return new Reply(200, "application/json", body.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /**
   * Tells whether a query asks for a topic's stats.
   *
   * @param rawQuery the request's query, still encoded
   * @return whether it has a {@code topic} parameter (or cannot be read, which {@link #topicStats} answers)
   */
  static boolean namesTopic(String rawQuery) {
    try {
      return query(rawQuery).containsKey("topic");
    } catch (IllegalArgumentException e) {
      return true;
    }
  }

  /** Answers from a query, or with {@code 400} and the reason if it cannot be read. */
  private static Reply withQuery(String rawQuery, Function<Map<String, List<String>>, Reply> answer) {
    Map<String, List<String>> query;
    try {
      query = query(rawQuery);
    } catch (IllegalArgumentException e) {
      return Reply.text(400, e.getMessage());
    }
    return answer.apply(query);
  }

  /**
   * Reads a query as a form does: {@code name=value} pairs separated by {@code &}, {@code +} for a space,
   * {@code %XX} escapes of UTF-8.
   *
   * @param raw the query without {@code ?}, possibly empty
   * @return each name's values in order
   * @throws IllegalArgumentException with a one-line reason if an escape or the UTF-8 is malformed
   */
  static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> parameters = new LinkedHashMap<>();
    if (raw.isEmpty()) {
      return parameters;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = ExampleApp.percentDecode((equals < 0 ? pair : pair.substring(0, equals)).replace('+', ' '));
      String value = equals < 0 ? "" : ExampleApp.percentDecode(pair.substring(equals + 1).replace('+', ' '));
      parameters.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return parameters;
  }

  /** Quotes a string as JSON. */
  static String json(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  private static String oneLine(String message) {
    return message.replace('\r', ' ').replace('\n', ' ');
  }
}
