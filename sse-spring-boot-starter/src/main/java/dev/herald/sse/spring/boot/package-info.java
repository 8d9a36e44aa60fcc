/** Spring Boot auto-configuration for Herald: a broadcaster from properties, served, stopped, measured. */
@NullMarked
package dev.herald.sse.spring.boot;

import org.jspecify.annotations.NullMarked;
