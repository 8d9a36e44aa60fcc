/**
 * Herald's engine: the event encoder, bounded client channels and the default broadcaster, with no I/O of its
 * own.
 */
@NullMarked
package dev.herald.sse.core;

import org.jspecify.annotations.NullMarked;
