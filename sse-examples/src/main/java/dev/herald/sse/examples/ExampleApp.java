package dev.herald.sse.examples;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.BroadcasterStats;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.core.StreamGroup;
import dev.herald.sse.redis.RedisBackplane;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example's routes, written once and served by every transport: the seed tutorial's {@code /events} stream
 * and {@code /events/{msg}} broadcast, plus {@code POST /events}, {@code /stats} and a live page at {@code /}; and
 * topics: {@code /events?topic=NAME}, {@code /publish?topic=NAME}, private {@code users/{name}} topics behind
 * {@code /login?user=NAME}, and {@code /stats?topic=NAME}.
 *
 * <p>A transport asks {@link #route(String, String)} what a request is; it serves {@link Route.Kind#SUBSCRIBE}
 * with its Herald adapter, {@link #broadcaster()} and {@link #streamConfig()} (whose authorizer keeps each user's
 * topic to that user), reads the body for a route that {@linkplain Route#hasBody() has one} (at most
 * {@link #MAX_BODY_BYTES} kept and {@link #MAX_DISCARDED_BYTES} more dropped, within {@link #requestTimeout()},
 * without holding a thread while it waits) and hands it to {@link #answer(Route, byte[])}, and writes every other
 * answer as the {@link Reply} it is given, once {@link #answer(Route)}'s stage has it. A broadcast's answer on a
 * cluster node waits for Redis to acknowledge the event, so that {@code 200 msg sent} is true when it is said.
 *
 * <p><b>Threading.</b> Safe to use from any number of request threads at once.
 */
public final class ExampleApp implements AutoCloseable {
  /** The largest {@code POST /events} or {@code POST /publish} body accepted; a larger one gets {@code 413}. */
  public static final int MAX_BODY_BYTES = 64 * 1024;
  /**
   * How much of a body over {@link #MAX_BODY_BYTES} is read and dropped before its {@code 413}, so that the
   * connection stays usable; a body longer still is answered at once and its connection closed. A connection closed
   * with bytes unread is reset, and the reset can destroy the answer before a client that is still sending reads
   * it; the answer to a client that expects {@code 100 Continue} needs no reading, as it has sent no body.
   */
  public static final int MAX_DISCARDED_BYTES = 1 << 20;
  /** The most bytes of one body read, kept or dropped: {@link #MAX_BODY_BYTES} + {@link #MAX_DISCARDED_BYTES}. */
  public static final long MAX_READ_BYTES = (long) MAX_BODY_BYTES + MAX_DISCARDED_BYTES;

  private static final Logger log = LoggerFactory.getLogger(ExampleApp.class);
  /** How long a stop waits for the streams to end: the default close grace, and a second to spare. */
  private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(6);

  private final Broadcaster broadcaster;
  private final StreamGroup streams;
  private final StreamConfig streamConfig;
  private final boolean clustered;
  private final Duration requestTimeout;
  private final byte[] page;
  private final TopicRoutes topics;

  /**
   * Makes the app and its broadcaster: a {@code connected} greeting, increasing ids, the configured heartbeat and
   * replay history; with {@code --redis}, a cluster node whose ids are the Redis stream's.
   *
   * @param options the command-line options
   */
  public ExampleApp(ExampleOptions options) {
    this(options, UnaryOperator.identity());
  }

  /** Makes the app with its broadcaster seen through {@code wrap}, for tests that watch the subscriptions. */
  ExampleApp(ExampleOptions options, UnaryOperator<Broadcaster> wrap) {
    String redis = options.redis();
    this.broadcaster = wrap.apply(Broadcasters.create(BroadcasterConfig.builder()
        .greeting(Data.of("connected"))
        .heartbeat(options.heartbeat())
        .assignIds(true)
        .history(options.history())
        // Streams past this get 503 with Retry-After; the server's connection limit sits above it, so /stats and
        // the broadcast routes still get a connection when the streams are full.
        .maxClients(options.maxStreams())
        .backplane(redis == null ? null : RedisBackplane.create(redis))
        .build()));
    this.streams = StreamGroup.create().include(broadcaster);
    this.clustered = redis != null;
    this.requestTimeout = options.requestTimeout();
    this.page = resource("index.html");
    UserCookies users = new UserCookies(options.tls() != null);
    this.streamConfig = StreamConfig.builder()
        .gzip(options.compress())
        .authorizer(users.authorizer())
        .build();
    this.topics = new TopicRoutes(broadcaster, users);
  }

  /**
   * Returns the broadcaster every stream subscribes to.
   *
   * @return the broadcaster
   */
  public Broadcaster broadcaster() {
    return broadcaster;
  }

  /**
   * Returns how every transport serves a stream: gzip-compressed for clients that accept it with {@code --compress},
   * and with the authorizer that answers a request for another user's topic with {@code 401} (not signed in) or
   * {@code 403} (signed in as someone else), before any stream byte.
   *
   * @return the stream configuration
   */
  public StreamConfig streamConfig() {
    return streamConfig;
  }

  /**
   * Returns how long a request may take to arrive, head and body; a {@code POST /events} body slower than this
   * gets {@code 408} and its connection closes, so a client that sends a byte a second holds nothing for long.
   *
   * @return the request timeout
   */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /**
   * What a request asks for.
   *
   * @param kind the kind of request
   * @param argument what the kind says, or empty
   */
  public record Route(Kind kind, String argument) {

    /**
     * Tells whether the route's answer needs the request's body, which the transport reads and hands to
     * {@link ExampleApp#answer(Route, byte[])}.
     *
     * @return {@code true} for {@link Kind#BROADCAST_BODY} and {@link Kind#PUBLISH_BODY}
     */
    public boolean hasBody() {
      return kind == Kind.BROADCAST_BODY || kind == Kind.PUBLISH_BODY;
    }

    /** The kinds of request. */
    public enum Kind {
      /** {@code GET /}: the page. */
      INDEX,
      /** {@code GET /events}: a stream. */
      SUBSCRIBE,
      /** {@code GET /events/{msg}}: broadcast the raw (still percent-encoded) segment in {@link #argument}. */
      BROADCAST_PATH,
      /** {@code POST /events}: broadcast the body. */
      BROADCAST_BODY,
      /** {@code GET /stats}, with the raw query in {@link #argument} ({@code topic=NAME} asks for a topic's). */
      STATS,
      /** {@code GET /publish?topic=NAME&msg=TEXT}: publish; the raw query is in {@link #argument}. */
      PUBLISH_QUERY,
      /** {@code POST /publish?topic=NAME}: publish the body; the raw query is in {@link #argument}. */
      PUBLISH_BODY,
      /** {@code GET /login?user=NAME}: sign in with a cookie; the raw query is in {@link #argument}. */
      LOGIN,
      /** A path the example does not serve. */
      NOT_FOUND,
      /** A known path with a method it does not take; {@link #argument} is the {@code Allow} header. */
      METHOD_NOT_ALLOWED
    }
  }

  /** An answer to write as it is. */
  public record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {

    static Reply text(int status, String text) {
      return new Reply(status, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8), Map.of());
    }
  }

  /**
   * Routes a request.
   *
   * @param method the HTTP method
   * @param target the request target as received: raw path, possibly with a query
   * @return what the request asks for
   */
  public Route route(String method, String target) {
    int query = target.indexOf('?');
    String path = originForm(query < 0 ? target : target.substring(0, query));
    String rawQuery = query < 0 ? "" : target.substring(query + 1);
    boolean get = method.equals("GET") || method.equals("HEAD");
    if (path.equals("/")) {
      return get ? new Route(Route.Kind.INDEX, "") : notAllowed("GET, HEAD");
    }
    if (path.equals("/stats")) {
      return get ? new Route(Route.Kind.STATS, rawQuery) : notAllowed("GET, HEAD");
    }
    if (path.equals("/publish")) {
      // GET publishes, so HEAD (which must not) is not taken, as on /events/{msg}.
      return switch (method) {
        case "GET" -> new Route(Route.Kind.PUBLISH_QUERY, rawQuery);
        case "POST" -> new Route(Route.Kind.PUBLISH_BODY, rawQuery);
        default -> notAllowed("GET, POST");
      };
    }
    if (path.equals("/login")) {
      return get ? new Route(Route.Kind.LOGIN, rawQuery) : notAllowed("GET, HEAD");
    }
    if (path.equals("/events") || path.equals("/events/")) {
      if (get) {
        return new Route(Route.Kind.SUBSCRIBE, "");
      }
      return method.equals("POST") ? new Route(Route.Kind.BROADCAST_BODY, "") : notAllowed("GET, HEAD, POST");
    }
    if (path.startsWith("/events/")) {
      return method.equals("GET")
          ? new Route(Route.Kind.BROADCAST_PATH, path.substring("/events/".length()))
          : notAllowed("GET");
    }
    return new Route(Route.Kind.NOT_FOUND, "");
  }

  /**
   * Returns the path of an absolute-form target ({@code http://host/events}), which a server must accept (RFC 9112,
   * section 3.2.2) and Jetty and Tomcat already reduce to its path; any other target as it is.
   */
  private static String originForm(String target) {
    int scheme = target.indexOf("://");
    if (target.startsWith("/") || scheme < 0) {
      return target;
    }
    int path = target.indexOf('/', scheme + 3);
    return path < 0 ? "/" : target.substring(path);
  }

  private static Route notAllowed(String allow) {
    return new Route(Route.Kind.METHOD_NOT_ALLOWED, allow);
  }

  /**
   * Answers a route that is not a stream and needs no body; a broadcast's answer may come later.
   *
   * @param route the route
   * @return a stage that completes with the answer
   */
  public CompletionStage<Reply> answer(Route route) {
    return switch (route.kind()) {
      case BROADCAST_PATH -> broadcastPath(route.argument());
      case PUBLISH_QUERY -> CompletableFuture.completedFuture(topics.publish(route.argument(), null));
      default -> CompletableFuture.completedFuture(reply(route));
    };
  }

  /**
   * Answers a route that {@linkplain Route#hasBody() has a body}, once the transport has read it.
   *
   * @param route the route
   * @param body the body, of which at most {@link #MAX_BODY_BYTES} are accepted
   * @param idempotencyKey the request's {@code Idempotency-Key} header, or {@code null}; a broadcast's body is
   *     sent once per key (see {@link #broadcastBody(byte[], String)}), a publish ignores it
   * @return a stage with {@code 200 msg sent}, {@code 413} if too large, {@code 400} if not UTF-8 text or (for a
   *     publish) with a bad topic, or {@code 503}
   * @throws IllegalArgumentException for a route that has no body
   */
  public CompletionStage<Reply> answer(Route route, byte[] body, @Nullable String idempotencyKey) {
    if (route.kind() == Route.Kind.BROADCAST_BODY) {
      return broadcastBody(body, idempotencyKey);
    }
    if (route.kind() != Route.Kind.PUBLISH_BODY) {
      throw new IllegalArgumentException(route.kind() + " has no body");
    }
    if (body.length > MAX_BODY_BYTES) {
      return CompletableFuture.completedFuture(tooLarge());
    }
    String message = utf8(body);
    return CompletableFuture.completedFuture(message == null ? Reply.text(400, "body is not UTF-8 text")
        : topics.publish(route.argument(), message));
  }

  /**
   * Answers a route that is not a stream, needs no body and broadcasts nothing.
   *
   * @param route the route
   * @return the answer
   * @throws IllegalArgumentException for a stream or a broadcast, which {@link #answer(Route)} and the transports
   *     serve
   */
  public Reply reply(Route route) {
    return switch (route.kind()) {
      case INDEX -> new Reply(200, "text/html; charset=utf-8", page, Map.of("Cache-Control", "no-cache"));
      case STATS -> TopicRoutes.namesTopic(route.argument()) ? topics.topicStats(route.argument())
          : new Reply(200, "application/json", statsJson(broadcaster.stats()), Map.of());
      case LOGIN -> topics.login(route.argument());
      case NOT_FOUND -> Reply.text(404, "not found");
      case METHOD_NOT_ALLOWED -> new Reply(405, "text/plain; charset=utf-8",
          "method not allowed\n".getBytes(StandardCharsets.UTF_8), Map.of("Allow", route.argument()));
      case SUBSCRIBE, BROADCAST_BODY, BROADCAST_PATH, PUBLISH_QUERY, PUBLISH_BODY ->
          throw new IllegalArgumentException(route.kind() + " is served by answer(route) or the transport");
    };
  }

  /**
   * Broadcasts a percent-encoded path segment, decoded as UTF-8, as the seed's {@code /events/{msg}} does.
   *
   * @param rawSegment the segment as it appeared in the request target
   * @return a stage with {@code 200 msg sent}, {@code 400} with a one-line reason, or {@code 503}
   */
  public CompletionStage<Reply> broadcastPath(String rawSegment) {
    String message;
    try {
      message = percentDecode(rawSegment);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(Reply.text(400, e.getMessage()));
    }
    if (message.indexOf('\0') >= 0) {
      // Jetty and Tomcat refuse %00 in a path before the example sees it; the example does the same on Netty.
      return CompletableFuture.completedFuture(Reply.text(400, "malformed path: %00 is not allowed"));
    }
    return broadcast(message, null);
  }

  /**
   * Broadcasts a request body as UTF-8 text.
   *
   * @param body the body, of which at most {@link #MAX_BODY_BYTES} are accepted
   * @return a stage with {@code 200 msg sent}, {@code 413} if too large, {@code 400} if not UTF-8, or {@code 503}
   */
  public CompletionStage<Reply> broadcastBody(byte[] body) {
    return broadcastBody(body, null);
  }

  /**
   * Broadcasts a request body as UTF-8 text, once per {@code Idempotency-Key}: a producer that got no answer (a
   * timeout, a proxy's {@code 502} because the node died) retries with the same key, on any node, and the clients
   * see the event once. A keyed broadcast is answered when it is sent ({@code Broadcaster.broadcastOnce}); a
   * repeat is answered {@code 200 msg sent} and sends nothing.
   *
   * @param body the body, of which at most {@link #MAX_BODY_BYTES} are accepted
   * @param idempotencyKey the request's {@code Idempotency-Key} header, or {@code null}
   * @return a stage with {@code 200 msg sent}, {@code 413} if too large, {@code 400} if not UTF-8 or the key is
   *     malformed, or {@code 503}
   */
  public CompletionStage<Reply> broadcastBody(byte[] body, @Nullable String idempotencyKey) {
    if (body.length > MAX_BODY_BYTES) {
      return CompletableFuture.completedFuture(tooLarge());
    }
    String message = utf8(body);
    return message == null ? CompletableFuture.completedFuture(Reply.text(400, "body is not UTF-8 text"))
        : broadcast(message, idempotencyKey);
  }

  /** Decodes a body as UTF-8, strictly: {@code null} if it is not. */
  private static @Nullable String utf8(byte[] body) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /**
   * Returns the answer to a body over {@link #MAX_BODY_BYTES}, read or only declared.
   *
   * @return {@code 413} with a one-line reason
   */
  public static Reply tooLarge() {
    return Reply.text(413, "body too large: at most " + MAX_BODY_BYTES + " bytes");
  }

  /**
   * Tells whether a body declared this long is refused before any of it is read: one that will not be sent until
   * the client hears {@code 100 Continue}, or one too long to read and drop ({@link #MAX_DISCARDED_BYTES}).
   *
   * @param declaredLength the {@code Content-Length}, or -1 if none
   * @param expectsContinue whether the request has {@code Expect: 100-continue}
   * @return {@code true} to answer {@link #tooLarge()} at once and close the connection
   */
  public static boolean refuseUnread(long declaredLength, boolean expectsContinue) {
    return declaredLength > MAX_BODY_BYTES
        && (expectsContinue || declaredLength > MAX_READ_BYTES);
  }

  /**
   * Formats an error the servers answer themselves, before the example sees the request, as one line.
   *
   * @param status the status code
   * @param message the server's reason, possibly null or blank
   * @return {@code "400 reason\n"}
   */
  static String errorLine(int status, @Nullable String message) {
    return status + (message == null || message.isBlank() ? "" : " " + message.replace('\r', ' ').replace('\n', ' '))
        + "\n";
  }

  private CompletionStage<Reply> broadcast(String message, @Nullable String idempotencyKey) {
    if (broadcaster.isClosed()) {
      return CompletableFuture.completedFuture(Reply.text(503, "shutting down"));
    }
    if (!clustered && idempotencyKey == null) {
      // One server: the event is in every client's queue when broadcast returns.
      try {
        broadcaster.broadcast(Data.of(message));
      } catch (IllegalStateException e) {
        return CompletableFuture.completedFuture(Reply.text(503, "shutting down"));
      }
      return CompletableFuture.completedFuture(Reply.text(200, "msg sent"));
    }
    // A cluster node: the event is sent when Redis has it, so answer from Redis's acknowledgement, not before. A
    // clustered broadcastPaced completes once the event is handed to Redis; broadcastOnce waits for the answer, so
    // an event without a key gets one of its own.
    CompletionStage<Void> acknowledged;
    try {
      acknowledged = broadcaster.broadcastOnce(idempotencyKey == null ? UUID.randomUUID().toString() : idempotencyKey,
          Data.of(message));
    } catch (IllegalStateException e) {
      return CompletableFuture.completedFuture(Reply.text(503, "shutting down"));
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(Reply.text(400, e.getMessage()));
    }
    return acknowledged.handle((ok, failure) -> {
      if (failure == null) {
        return Reply.text(200, "msg sent");
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      // The publisher is told; a log line per failed broadcast would only repeat it.
      log.debug("a broadcast was not acknowledged by Redis: {}", cause.toString());
      return new Reply(503, "text/plain; charset=utf-8",
          ("not acknowledged by Redis: " + cause.getMessage() + "\n")
              .getBytes(StandardCharsets.UTF_8), Map.of("Retry-After", "1"));
    });
  }

  /**
   * Decodes {@code %XX} escapes as UTF-8, strictly: {@code +} stays a plus, as in a path.
   *
   * @param raw the encoded text
   * @return the decoded text
   * @throws IllegalArgumentException with a one-line reason if an escape or the UTF-8 is malformed
   */
  static String percentDecode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          throw new IllegalArgumentException("malformed percent-encoding: '%' must be followed by two hex digits");
        }
        int high = Character.digit(raw.charAt(i + 1), 16);
        int low = Character.digit(raw.charAt(i + 2), 16);
        if (high < 0 || low < 0) {
          throw new IllegalArgumentException("malformed percent-encoding: '%' must be followed by two hex digits");
        }
        bytes.write(high << 4 | low);
        i += 2;
      } else {
        byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < raw.length()) {
          utf8 = raw.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        bytes.write(utf8, 0, utf8.length);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("malformed percent-encoding: the escapes are not UTF-8");
    }
  }

  /** Writes a stats record as a flat JSON object of numbers, in component order. */
  static byte[] statsJson(BroadcasterStats stats) {
    StringBuilder json = new StringBuilder("{");
    RecordComponent[] components = BroadcasterStats.class.getRecordComponents();
    for (int i = 0; i < components.length; i++) {
      Object value;
      try {
        value = components[i].getAccessor().invoke(stats);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      json.append(i == 0 ? "" : ",").append('"').append(components[i].getName()).append("\":").append(value);
    }
    return json.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] resource(String name) {
    try (InputStream in = ExampleApp.class.getResourceAsStream(name)) {
      return requireNonNull(in, name).readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Ends every stream and waits until each has written the end of its response (a client that stops reading is
   * cut after the close grace): each server calls this as it starts to stop, before it closes connections.
   * Calling it again returns at once.
   */
  @Override
  public void close() {
    streams.shutdownAndAwait(SHUTDOWN_WAIT);
  }
}
