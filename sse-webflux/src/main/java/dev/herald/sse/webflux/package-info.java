/**
 * Serves Server-Sent Events from Spring WebFlux handler functions and annotated controllers on Reactor Netty:
 * {@link dev.herald.sse.webflux.WebFluxSse}.
 */
@NullMarked
package dev.herald.sse.webflux;

import org.jspecify.annotations.NullMarked;
