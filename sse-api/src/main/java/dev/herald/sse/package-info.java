/**
 * Herald's application API: the Server-Sent Events vocabulary ({@link dev.herald.sse.Event}), one client
 * ({@link dev.herald.sse.Sender}) and many ({@link dev.herald.sse.Broadcaster}).
 */
@NullMarked
package dev.herald.sse;

import org.jspecify.annotations.NullMarked;
