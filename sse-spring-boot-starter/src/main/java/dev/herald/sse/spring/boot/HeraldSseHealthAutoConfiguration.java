package dev.herald.sse.spring.boot;

import dev.herald.sse.Broadcaster;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Adds a health indicator for the application's broadcaster, named {@code herald}, when the application has the
 * actuator: UP with the number of clients; DOWN with the reason while its backplane is unreachable;
 * OUT_OF_SERVICE once it is closed. {@code management.health.herald.enabled=false} turns it off.
 *
 * <p>Boot 4 moved the health API to a new package ({@code org.springframework.boot.health.contributor}, in
 * {@code spring-boot-health}); Boot 3 has it in {@code org.springframework.boot.actuate.health}. One indicator is
 * configured for each, whichever the class path has, so one jar serves both lines.
 *
 * <p><b>Threading.</b> Spring calls it once, at startup; the indicators are called on the actuator's threads and
 * read the broadcaster's stats.
 */
@AutoConfiguration(after = HeraldSseAutoConfiguration.class)
@ConditionalOnSingleCandidate(Broadcaster.class)
@ConditionalOnProperty(prefix = "management.health.herald", name = "enabled", havingValue = "true",
    matchIfMissing = true)
public class HeraldSseHealthAutoConfiguration {

  /** Made by Spring. */
  public HeraldSseHealthAutoConfiguration() {}

  /** Boot 4's health API. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static class Boot4 {

    @Bean
    @ConditionalOnMissingBean(name = "heraldHealthIndicator")
    org.springframework.boot.health.contributor.HealthIndicator heraldHealthIndicator(Broadcaster broadcaster) {
      return () -> {
        BroadcasterHealth health = BroadcasterHealth.of(broadcaster);
        return org.springframework.boot.health.contributor.Health
            .status(health.status()).withDetails(health.details()).build();
      };
    }
  }

  /** Boot 3's health API. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
  static class Boot3 {

    @Bean
    @ConditionalOnMissingBean(name = "heraldHealthIndicator")
    org.springframework.boot.actuate.health.HealthIndicator heraldHealthIndicator(Broadcaster broadcaster) {
      return () -> {
        BroadcasterHealth health = BroadcasterHealth.of(broadcaster);
        return org.springframework.boot.actuate.health.Health
            .status(health.status()).withDetails(health.details()).build();
      };
    }
  }
}
