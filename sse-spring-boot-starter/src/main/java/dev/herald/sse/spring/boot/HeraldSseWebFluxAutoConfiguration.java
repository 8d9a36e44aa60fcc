package dev.herald.sse.spring.boot;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.webflux.WebFluxSse;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.support.RouterFunctionMapping;

/**
 * Serves the application's broadcaster through Spring WebFlux at {@code herald.sse.endpoint.path} ({@code /events}
 * by default), on Reactor Netty: {@link WebFluxSse#route(String, Broadcaster, StreamConfig)} in a
 * {@link RouterFunctionMapping} of its own. {@code herald.sse.endpoint.enabled=false} turns it off.
 *
 * <p>A mapping of its own rather than a {@code RouterFunction} bean: WebFlux gathers every such bean into one
 * mapping ordered before the annotated controllers (-1), where the endpoint would hide a controller of the
 * application's own at the same path. This one's order is 1, as the Spring MVC endpoint's
 * ({@link HeraldSseWebMvcAutoConfiguration}): after the application's router functions and {@code @RequestMapping}
 * methods, before static resources. Spring Boot's WebFlux server is Reactor Netty by default; the streams are served
 * on Reactor Netty only (see {@link WebFluxSse}), so on a reactive application over a servlet container (Tomcat or
 * Jetty with Spring WebFlux's servlet adapter) a stream request fails with the reason in the log.
 *
 * <p><b>Threading.</b> The route runs on Reactor Netty's event loops; serving a stream returns at once.
 */
@AutoConfiguration(after = HeraldSseAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({RouterFunction.class, WebFluxSse.class})
@ConditionalOnBean(StreamConfig.class)
@ConditionalOnSingleCandidate(Broadcaster.class)
@ConditionalOnProperty(prefix = "herald.sse.endpoint", name = "enabled", havingValue = "true", matchIfMissing = true)
public class HeraldSseWebFluxAutoConfiguration {
  /** After the router functions (-1) and request mappings (0), before static resources (the lowest precedence). */
  private static final int ORDER = 1;

  /** Made by Spring. */
  public HeraldSseWebFluxAutoConfiguration() {}

  /**
   * The mapping of the endpoint's path to the broadcaster's stream.
   *
   * @param broadcaster the broadcaster to serve
   * @param streams how its streams are served (in the application's stream group)
   * @param properties where to serve it
   * @return the handler mapping
   */
  @Bean
  public RouterFunctionMapping heraldSseRouterFunctionMapping(Broadcaster broadcaster, StreamConfig streams,
      HeraldSseProperties properties) {
    RouterFunctionMapping mapping =
        new RouterFunctionMapping(WebFluxSse.route(properties.getEndpoint().getPath(), broadcaster, streams));
    mapping.setOrder(ORDER);
    return mapping;
  }
}
