/** A {@code text/event-stream} parser that reads the wire as the HTML standard's {@code EventSource} does. */
@NullMarked
package dev.herald.sse.testkit.parser;

import org.jspecify.annotations.NullMarked;
