/** Engine test support: an in-memory transport and an in-memory backplane. */
@NullMarked
package dev.herald.sse.core.testing;

import org.jspecify.annotations.NullMarked;
