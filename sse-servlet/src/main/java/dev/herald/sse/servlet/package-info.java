/**
 * Serves Server-Sent Events from any Jakarta Servlet 6 container with async, non-blocking I/O.
 */
@NullMarked
package dev.herald.sse.servlet;

import org.jspecify.annotations.NullMarked;
