/**
 * Herald's Spring Boot starter: auto-configuration for Spring Boot 3.5 and 4.0 on Spring MVC and Spring WebFlux.
 */
module dev.herald.sse.spring.boot {
  requires transitive dev.herald.sse.servlet;
  requires transitive dev.herald.sse.webflux;
  requires transitive dev.herald.sse.micrometer;
  // Present in a Boot application on Spring MVC or WebFlux, which provides them; on this module's API (its
  // auto-configurations are annotated with Boot's annotations and implement Spring's interfaces), so transitive.
  requires static transitive spring.beans;
  requires static transitive spring.boot;
  requires static transitive spring.boot.autoconfigure;
  requires static transitive spring.context;
  requires static transitive spring.core;
  requires static transitive spring.web;
  requires static transitive spring.webmvc;
  requires static transitive spring.webflux;
  // Each used only when the application has it: a Redis backplane, Micrometer, and the health API of Boot 3
  // (spring-boot-actuator) or Boot 4 (spring-boot-health).
  requires static dev.herald.sse.redis;
  requires static micrometer.core;
  requires static spring.boot.actuator;
  requires static spring.boot.health;
  requires static transitive org.jspecify;
  requires org.slf4j;

  exports dev.herald.sse.spring.boot;
  // Spring reads and instantiates the auto-configurations and binds the properties by reflection.
  opens dev.herald.sse.spring.boot;
}
