package dev.herald.sse.spring.boot;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.servlet.ServletSse;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.HttpRequestHandler;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.handler.SimpleUrlHandlerMapping;

/**
 * Serves the application's broadcaster through Spring MVC at {@code herald.sse.endpoint.path} ({@code /events} by
 * default): a {@link SimpleUrlHandlerMapping} to an {@link HttpRequestHandler} that calls
 * {@link ServletSse#serve(jakarta.servlet.http.HttpServletRequest, jakarta.servlet.http.HttpServletResponse,
 * Broadcaster, StreamConfig)}. {@code herald.sse.endpoint.enabled=false} turns it off.
 *
 * <p>Spring MVC's own types, rather than Boot's servlet registration classes (whose packages differ between Boot
 * 3.5 and 4.0), so that one jar serves both lines; the request goes through the {@code DispatcherServlet}, which
 * Boot registers with async support, and through the application's filters. The mapping's order is 1: after the
 * application's {@code @RequestMapping} methods (a controller of its own at the same path wins), before static
 * resources.
 *
 * <p><b>Threading.</b> The handler runs on the container's request threads; serving a stream returns at once.
 */
@AutoConfiguration(after = HeraldSseAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({DispatcherServlet.class, ServletSse.class})
@ConditionalOnBean(StreamConfig.class)
@ConditionalOnSingleCandidate(Broadcaster.class)
@ConditionalOnProperty(prefix = "herald.sse.endpoint", name = "enabled", havingValue = "true", matchIfMissing = true)
public class HeraldSseWebMvcAutoConfiguration {
  /** After the request mappings (order 0), before static resources (the lowest precedence). */
  private static final int ORDER = 1;

  /** Made by Spring. */
  public HeraldSseWebMvcAutoConfiguration() {}

  /**
   * The mapping of the endpoint's path to the broadcaster's stream.
   *
   * @param broadcaster the broadcaster to serve
   * @param streams how its streams are served (in the application's stream group)
   * @param properties where to serve it
   * @return the handler mapping
   */
  @Bean
  public SimpleUrlHandlerMapping heraldSseHandlerMapping(Broadcaster broadcaster, StreamConfig streams,
      HeraldSseProperties properties) {
    HttpRequestHandler events = (request, response) -> ServletSse.serve(request, response, broadcaster, streams);
    return new SimpleUrlHandlerMapping(Map.of(properties.getEndpoint().getPath(), events), ORDER);
  }
}
