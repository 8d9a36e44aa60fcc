/**
 * A Spring Boot application that serves Herald streams, for the tests that stop it as a host stops it.
 */
@NullMarked
package dev.herald.sse.it.boot;

import org.jspecify.annotations.NullMarked;
