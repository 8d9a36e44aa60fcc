/** Test support for reading the wire: a spec-following {@code text/event-stream} parser. */
@NullMarked
package dev.herald.sse.core.testing;

import org.jspecify.annotations.NullMarked;
