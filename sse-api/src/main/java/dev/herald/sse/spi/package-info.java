/**
 * The transport SPI: what a transport (Netty, Servlet, your own) drains to its socket and how it reports the
 * socket's life back to the engine.
 */
@NullMarked
package dev.herald.sse.spi;

import org.jspecify.annotations.NullMarked;
