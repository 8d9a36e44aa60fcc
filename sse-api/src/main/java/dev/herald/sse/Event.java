package dev.herald.sse;

/**
 * One block of a {@code text/event-stream}: either a {@link Data} event, which the browser's
 * {@code EventSource} dispatches, or a {@link Comment}, which it ignores (comments keep connections alive).
 *
 * <p>Events are immutable values, validated when they are made, so anything that holds an {@code Event} holds
 * one that encodes exactly as the WHATWG HTML standard reads it back. They are safe to share between threads.
 *
 * <pre>{@code
 * Event hello = Data.of("hello");
 * Event chat = Data.of("line one\nline two").withName("chat").withId("42");
 * Event ping = Comment.of("ping");
 * }</pre>
 *
 * @see <a href="https://html.spec.whatwg.org/multipage/server-sent-events.html">HTML: Server-sent events</a>
 */
public sealed interface Event permits Data, Comment {
}
