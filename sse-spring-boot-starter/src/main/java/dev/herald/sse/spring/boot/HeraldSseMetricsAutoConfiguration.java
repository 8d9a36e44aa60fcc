package dev.herald.sse.spring.boot;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.micrometer.BroadcasterMetrics;
import dev.herald.sse.micrometer.DeliveryDelayRecorder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * Binds the application's broadcaster's meters ({@link BroadcasterMetrics}) when Micrometer is on the class path:
 * Spring Boot binds every {@code MeterBinder} bean to its registries (with the actuator,
 * {@code /actuator/metrics/herald.sse.clients} and the rest). The {@code herald.sse.delivery.delay} timer records
 * what the auto-configured broadcaster measures; a broadcaster of the application's own records into it if its
 * configuration takes the {@link DeliveryDelayRecorder} bean as its {@code deliveryObserver}.
 *
 * <p><b>Threading.</b> Spring calls it once, at startup.
 */
@AutoConfiguration(after = HeraldSseAutoConfiguration.class)
@ConditionalOnClass(name = {"io.micrometer.core.instrument.MeterRegistry",
    "dev.herald.sse.micrometer.BroadcasterMetrics"})
@ConditionalOnSingleCandidate(Broadcaster.class)
public class HeraldSseMetricsAutoConfiguration {

  /** Made by Spring. */
  public HeraldSseMetricsAutoConfiguration() {}

  /**
   * The broadcaster's meters.
   *
   * @param broadcaster the broadcaster
   * @param delays the delivery delay's recorder, if there is one
   * @return the binder, which Boot binds to its registries
   */
  @Bean
  @ConditionalOnMissingBean
  public BroadcasterMetrics heraldBroadcasterMetrics(Broadcaster broadcaster,
      ObjectProvider<DeliveryDelayRecorder> delays) {
    DeliveryDelayRecorder recorder = delays.getIfUnique();
    return recorder == null ? new BroadcasterMetrics(broadcaster) : new BroadcasterMetrics(broadcaster, recorder);
  }
}
