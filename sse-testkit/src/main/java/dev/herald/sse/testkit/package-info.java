/** A test kit for transports and applications: raw-socket clients, probes, and the suites every transport runs. */
@NullMarked
package dev.herald.sse.testkit;

import org.jspecify.annotations.NullMarked;
