package dev.herald.sse.core;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.InvalidTopicException;
import dev.herald.sse.Sender;
import dev.herald.sse.Subscription;
import dev.herald.sse.TooManyClientsException;
import dev.herald.sse.TooManyStreamsException;
import dev.herald.sse.Topics;
import dev.herald.sse.core.internal.AcceptHeader;
import dev.herald.sse.core.internal.GzipChannel;
import dev.herald.sse.spi.SseChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides how to answer a request for an event stream, the same way on every transport: open a stream (with its
 * exact response headers), answer with headers only, or refuse with a status, headers and a one-line reason.
 *
 * <p>A transport turns its request into an {@link SseRequest}, asks {@link #answer(SseRequest)}, and writes what it
 * is told; it decides nothing itself. The rules:
 *
 * <ul>
 *   <li>{@code GET} opens a stream: {@code 200} with {@code Content-Type: text/event-stream; charset=utf-8},
 *       {@code Cache-Control: no-cache} and {@code X-Accel-Buffering: no} (nginx would otherwise buffer it), and
 *       never a {@code Content-Length}. The {@code Last-Event-ID} header goes to the engine, which replays what the
 *       client missed; an empty one is the same as none. Without that header, the {@value #LAST_EVENT_ID_PARAMETER}
 *       query parameter is read instead (a browser's {@code EventSource} cannot set a header on its first
 *       connect); the header, which it sends when it reconnects, wins.
 *   <li>On a broadcaster's stream, each {@value #TOPIC_PARAMETER} query parameter (repeatable) is a topic name or
 *       pattern the client subscribes to ({@link dev.herald.sse.Topics}); with none, the client gets broadcasts
 *       only. A topic that is not well formed, or more topics or patterns than the broadcaster's
 *       {@link TopicLimits} allow, get {@code 400} with the reason, and nothing is subscribed. A single-client
 *       stream checks the parameter as a broadcaster's does, and subscribes to nothing.
 *   <li>With {@link StreamConfig.Builder#gzip(boolean) gzip} on, a stream to a client whose {@code Accept-Encoding}
 *       allows gzip is sent gzip-encoded ({@code Content-Encoding: gzip}; the channel the transport serves gives it
 *       the compressed bytes), and every stream answer carries {@code Vary: Accept-Encoding}.
 *   <li>{@code HEAD} gets what a {@code GET} would get, headers only: the stream's headers, or the same refusal. It
 *       subscribes nobody, so the broadcaster's {@link TopicLimits}, which only a subscription meets, are not
 *       checked (the topics' spelling and grant are).
 *   <li>{@code OPTIONS} gets {@code 204} with {@code Allow: GET, HEAD, OPTIONS}; any other method {@code 405} with
 *       that {@code Allow}.
 *   <li>An {@code Accept} that excludes {@code text/event-stream} gets {@code 406}. Every {@code Accept} line
 *       counts; the most specific matching media range decides (RFC 9110, section 12.5.1), and among equally
 *       specific ones the highest weight. No {@code Accept} at all accepts anything.
 *   <li>The configuration's {@link Authorizer} decides next, for {@code GET} and {@code HEAD} alike: its refusal is
 *       answered with its status ({@code 401} or {@code 403}) and reason; a requested topic that its grant does
 *       not {@linkplain dev.herald.sse.Topics#covers cover} with {@code 403}; an identity over its grant's stream
 *       limit with {@code 429}. A granted stream also gets the grant's {@linkplain Access.Granted#subscribed()
 *       topics given without asking}, and its identity. An authorizer that throws gets {@code 500}.
 *   <li>A broadcaster at its client limit gets {@code 503} with {@code Retry-After}
 *       ({@link StreamConfig.Builder#retryAfter(java.time.Duration)}); a closed one {@code 503}.
 * </ul>
 *
 * <pre>{@code
 * Handshake handshake = Handshake.of(broadcaster, StreamConfig.defaults());   // once, then per request:
 * Handshake.Answer answer = handshake.answer(request);
 * send(answer.status(), answer.headers());                     // flushed: the client sees the stream open
 * if (answer instanceof Handshake.Open open) {
 *   serve(open.channel());                                     // start it and drain it to the socket
 *   open.opened();
 * } else if (answer instanceof Handshake.Refusal refusal) {
 *   sendBody(refusal.body());
 * }
 * }</pre>
 *
 * <p><b>Threading and ownership.</b> A handshake is immutable and may answer requests on any number of threads at
 * once. It reads the request only during {@link #answer(SseRequest)}. An {@link Open} answer hands the transport a
 * registered client: from then on the transport owns that channel and must close it if it cannot serve it.
 */
public final class Handshake {
  /** The methods an event stream answers, as sent in {@code Allow}. */
  public static final String ALLOW = "GET, HEAD, OPTIONS";
  /** The query parameter that names a topic to subscribe to, once per topic. */
  public static final String TOPIC_PARAMETER = "topic";
  /** The query parameter read as the last event id when the request has no {@code Last-Event-ID} header. */
  public static final String LAST_EVENT_ID_PARAMETER = "lastEventId";

  private static final Logger log = LoggerFactory.getLogger(Handshake.class);
  private static final Map<String, String> STREAM_HEADERS = ordered(
      "content-type", "text/event-stream; charset=utf-8",
      "cache-control", "no-cache",
      "x-accel-buffering", "no");
  private static final Map<String, String> GZIP_STREAM_HEADERS = ordered(
      "content-type", "text/event-stream; charset=utf-8",
      "cache-control", "no-cache",
      "x-accel-buffering", "no",
      "content-encoding", "gzip",
      "vary", "accept-encoding");
  private static final Map<String, String> PLAIN_STREAM_HEADERS = ordered(
      "content-type", "text/event-stream; charset=utf-8",
      "cache-control", "no-cache",
      "x-accel-buffering", "no",
      "vary", "accept-encoding");

  private final Source source;
  private final StreamConfig config;

  private Handshake(Source source, StreamConfig config) {
    this.source = source;
    this.config = requireNonNull(config, "config");
  }

  /**
   * Makes the handshake of a broadcaster's streams: each {@code GET} that is answered with a stream subscribes a
   * client to the broadcaster.
   *
   * @param broadcaster the broadcaster clients subscribe to
   * @param config how the streams are served
   * @return the handshake
   */
  public static Handshake of(Broadcaster broadcaster, StreamConfig config) {
    requireNonNull(broadcaster, "broadcaster");
    return new Handshake(new Source() {
      @Override
      public @Nullable String refusal() {
        return broadcaster.isClosed() ? "the event stream has ended" : null;
      }

      @Override
      public boolean isFull() {
        return broadcaster.isFull();
      }

      @Override
      public SseChannel open(Subscription subscription) {
        return broadcaster.register(subscription);
      }

      @Override
      public void opened(Sender sender) {}
    }, config);
  }

  /**
   * Makes the handshake of single-client streams: each {@code GET} that is answered with a stream opens a channel
   * of its own, with {@code config}'s queue limits and heartbeat, and gives the application its sender.
   *
   * @param config how the streams are served, their queue limits and heartbeat
   * @param onOpen given each client's sender once its stream is open (see {@link Open#opened()}); it may send at
   *     once or keep the sender and send later from any thread, and closes it to end the stream
   * @return the handshake
   */
  public static Handshake of(StreamConfig config, Consumer<? super Sender> onOpen) {
    requireNonNull(config, "config");
    requireNonNull(onOpen, "onOpen");
    return new Handshake(new Source() {
      @Override
      public @Nullable String refusal() {
        StreamGroup group = config.group();
        return group != null && group.isShutdown() ? "the event stream has ended" : null;
      }

      @Override
      public boolean isFull() {
        return false;
      }

      @Override
      public SseChannel open(Subscription subscription) {
        StreamGroup group = config.group();
        return group != null
            ? group.open(config, subscription.lastEventId())
            : Channels.open(config.channel(), config.heartbeat(), config.heartbeatComment(),
                subscription.lastEventId());
      }

      @Override
      public void opened(Sender sender) {
        onOpen.accept(sender);
      }
    }, config);
  }

  /**
   * Returns how this handshake's streams are served, for the transport's own part (the close grace).
   *
   * @return the configuration
   */
  public StreamConfig config() {
    return config;
  }

  /**
   * Answers a request: decides, and for a stream registers the client.
   *
   * @param request the request
   * @return the answer to write
   */
  public Answer answer(SseRequest request) {
    requireNonNull(request, "request");
    String method = request.method();
    boolean head = method.equals("HEAD");
    if (!head && !method.equals("GET")) {
      return method.equals("OPTIONS")
          ? new HeadersOnly(204, ordered("allow", ALLOW))
          : refuse(405, "this resource is an event stream; it answers " + ALLOW, "allow", ALLOW);
    }
    if (!AcceptHeader.allowsEventStream(request.headers("Accept"))) {
      return refuse(406, "this resource is a text/event-stream, which the request's Accept excludes");
    }
    String ended = source.refusal();
    if (ended != null) {
      return refuse(503, ended);
    }
    Object decided = authorize(request);
    if (decided instanceof Refusal refusal) {
      return refusal;
    }
    if (head) {
      return source.isFull() ? full() : new HeadersOnly(200, streamHeaders(request));
    }
    SseChannel channel;
    try {
      channel = source.open((Subscription) decided);
    } catch (InvalidTopicException e) {
      return refuse(400, e.getMessage());
    } catch (TooManyStreamsException e) {
      return refuse(429, e.getMessage());
    } catch (TooManyClientsException e) {
      return full();
    } catch (IllegalStateException e) {
      String closed = source.refusal();
      if (closed == null) {
        throw e;
      }
      return refuse(503, closed); // closed between the check and the subscription
    }
    Map<String, String> headers = streamHeaders(request);
    return new Open(headers == GZIP_STREAM_HEADERS ? new GzipChannel(channel) : channel, source, headers);
  }

  /** The headers of a stream to this request: gzip-encoded if the configuration and the client both want it. */
  private Map<String, String> streamHeaders(SseRequest request) {
    if (!config.gzip()) {
      return STREAM_HEADERS;
    }
    return AcceptHeader.allowsGzip(request.headers("Accept-Encoding")) ? GZIP_STREAM_HEADERS : PLAIN_STREAM_HEADERS;
  }

  /**
   * Asks the authorizer, and checks the requested topics' spelling and grant.
   *
   * @return the refusal, or the subscription to open
   */
  private Object authorize(SseRequest request) {
    Access access;
    try {
      access = requireNonNull(config.authorizer().decide(request), "the authorizer's decision");
    } catch (RuntimeException e) {
      log.warn("the authorizer failed; refusing the stream", e);
      return refuse(500, "the request could not be authorized");
    }
    if (access instanceof Access.Refused refused) {
      String challenge = refused.challenge();
      return challenge == null ? refuse(refused.status(), refused.reason())
          : refuse(refused.status(), refused.reason(), "www-authenticate", challenge);
    }
    Access.Granted grant = (Access.Granted) access;
    List<String> requested = request.queryParameters(TOPIC_PARAMETER);
    for (String topic : requested) {
      try {
        Topics.checkPattern(topic);
      } catch (InvalidTopicException e) {
        return refuse(400, e.getMessage());
      }
      if (!grant.allows(topic)) {
        return refuse(403, "this stream may not have the topic " + topic);
      }
    }
    List<String> topics = new ArrayList<>(requested);
    topics.addAll(grant.subscribed());
    Subscription subscription = Subscription.of(lastEventId(request), topics);
    String identity = grant.identity();
    return identity == null ? subscription : subscription.withIdentity(identity, grant.maxStreams());
  }

  /** The header, else the query parameter; an empty one is none. */
  private static @Nullable String lastEventId(SseRequest request) {
    String header = request.header("Last-Event-ID");
    if (header != null && !header.isEmpty()) {
      return header;
    }
    List<String> parameter = request.queryParameters(LAST_EVENT_ID_PARAMETER);
    return parameter.isEmpty() || parameter.get(0).isEmpty() ? null : parameter.get(0);
  }

  private Refusal full() {
    return refuse(503, "too many clients; try again later",
        "retry-after", Long.toString(config.retryAfter().getSeconds()));
  }

  private static Refusal refuse(int status, String reason, String... headers) {
    log.debug("refusing a stream with {}: {}", status, reason);
    String[] all = Arrays.copyOf(headers, headers.length + 2);
    all[headers.length] = "content-type";
    all[headers.length + 1] = "text/plain; charset=utf-8";
    return new Refusal(status, ordered(all), reason);
  }

  private static Map<String, String> ordered(String... namesAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      map.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return Collections.unmodifiableMap(map);
  }

  /** Where a handshake's streams come from: a broadcaster's subscriptions, or channels of their own. */
  private interface Source {
    @Nullable String refusal();

    boolean isFull();

    SseChannel open(Subscription subscription);

    void opened(Sender sender);
  }

  /**
   * An answer to a request for an event stream: a status, headers in the order to send them, and possibly a stream
   * or a body.
   */
  public sealed interface Answer permits Open, HeadersOnly, Refusal {

    /**
     * Returns the response's status.
     *
     * @return the HTTP status code
     */
    int status();

    /**
     * Returns the response's headers, in the order to send them. Names are in lower case, as HTTP/2 sends them
     * and as HTTP/1.1 reads them (in any case).
     *
     * @return an unmodifiable map of header names to values
     */
    Map<String, String> headers();
  }

  /**
   * An answer that opens a stream: {@code 200}, the stream's headers, then the events of {@link #channel()}.
   *
   * <p>The transport sends the status and headers at once (flushed, so the client sees the stream open), starts
   * and serves the channel, then calls {@link #opened()}. If it cannot serve the channel, it closes it with
   * {@link CloseReason#ERROR}.
   */
  public static final class Open implements Answer {
    private final SseChannel channel;
    private final Source source;

    private final Map<String, String> headers;

    private Open(SseChannel channel, Source source, Map<String, String> headers) {
      this.channel = channel;
      this.source = source;
      this.headers = headers;
    }

    @Override
    public int status() {
      return 200;
    }

    @Override
    public Map<String, String> headers() {
      return headers;
    }

    /**
     * Returns the new client's channel, registered and not yet started.
     *
     * @return the channel to serve
     */
    public SseChannel channel() {
      return channel;
    }

    /**
     * Tells the application that the stream is open, once the transport has started the channel: a single-client
     * stream's {@code onOpen} runs now, on the calling thread. If it throws, the stream ends with
     * {@link CloseReason#ERROR} and the failure is logged.
     */
    public void opened() {
      try {
        source.opened(channel.sender());
      } catch (RuntimeException e) {
        log.warn("the stream's onOpen callback failed; ending the stream", e);
        channel.close(CloseReason.ERROR);
      }
    }
  }

  /**
   * An answer with a status and headers and no body: what a {@code HEAD} request or {@code OPTIONS} gets.
   *
   * @param status the status, {@code 200} or {@code 204}
   * @param headers the headers, in order
   */
  public record HeadersOnly(int status, Map<String, String> headers) implements Answer {}

  /**
   * An answer that refuses the request: a status, its headers (always a {@code text/plain} content type) and a
   * one-line reason as the body.
   *
   * @param status the status, such as {@code 406}
   * @param headers the headers, in order
   * @param reason the one-line reason
   */
  public record Refusal(int status, Map<String, String> headers, String reason) implements Answer {

    /**
     * Returns the body to send: the reason and a line feed, in UTF-8.
     *
     * @return a new array
     */
    public byte[] body() {
      return (reason + "\n").getBytes(StandardCharsets.UTF_8);
    }
  }
}
