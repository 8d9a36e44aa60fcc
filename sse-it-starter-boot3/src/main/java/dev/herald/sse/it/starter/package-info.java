/**
 * A Spring Boot application whose only Herald code is a controller that broadcasts, for the starter's tests.
 */
@NullMarked
package dev.herald.sse.it.starter;

import org.jspecify.annotations.NullMarked;
