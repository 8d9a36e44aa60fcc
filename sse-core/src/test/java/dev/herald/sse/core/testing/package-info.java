/** Test support: a spec-following {@code text/event-stream} parser, raw-socket clients and resource probes. */
@NullMarked
package dev.herald.sse.core.testing;

import org.jspecify.annotations.NullMarked;
