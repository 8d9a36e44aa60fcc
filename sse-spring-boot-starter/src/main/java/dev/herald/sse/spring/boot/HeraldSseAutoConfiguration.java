package dev.herald.sse.spring.boot;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.DeliveryObserver;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.core.StreamGroup;
import dev.herald.sse.core.spi.Backplane;
import dev.herald.sse.micrometer.DeliveryDelayRecorder;
import dev.herald.sse.redis.RedisBackplane;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configures Herald: a {@link Broadcaster} from the {@code herald.sse.*} properties ({@link HeraldSseProperties}),
 * unless the application defines its own; a {@link StreamGroup} that includes it and a {@link StreamConfig} that
 * names the group, for the application's own {@code ServletSse.stream} routes; and {@link HeraldSseShutdown}, which
 * ends every stream as the application starts to stop. With {@code sse-redis} on the class path and
 * {@code herald.sse.redis.uri} set, the broadcaster is one node of a cluster on that Redis; with Micrometer, it
 * measures its delivery delay ({@link DeliveryDelayRecorder}).
 *
 * <p>Serving it ({@link HeraldSseWebMvcAutoConfiguration}), its metrics ({@link HeraldSseMetricsAutoConfiguration})
 * and its health ({@link HeraldSseHealthAutoConfiguration}) are configured after this.
 *
 * <p><b>Threading.</b> Spring calls it once, at startup; the beans it makes are thread-safe.
 */
@AutoConfiguration
@ConditionalOnClass(Broadcaster.class)
@EnableConfigurationProperties(HeraldSseProperties.class)
public class HeraldSseAutoConfiguration {

  /** Made by Spring. */
  public HeraldSseAutoConfiguration() {}

  /**
   * The group whose streams end when the application stops. {@link HeraldSseShutdown} shuts it down, earlier than
   * Spring's destroy would; and Spring's inferred destroy method ({@code shutdown}) would wait on the stage it
   * returns with {@code Future.get()}, which a minimal stage does not support.
   *
   * @return a new group
   */
  @Bean(destroyMethod = "")
  @ConditionalOnMissingBean
  public StreamGroup heraldStreamGroup() {
    return StreamGroup.create();
  }

  /**
   * The broadcaster, from the {@code herald.sse.*} properties, included in the group.
   *
   * @param properties the properties
   * @param group the group it joins
   * @param observer the delivery-delay observer, if there is one (with Micrometer)
   * @param backplane the backplane, if there is one (with {@code herald.sse.redis.uri})
   * @return a new broadcaster; Spring closes it when the context is destroyed, and the group has ended it before
   */
  @Bean
  @ConditionalOnMissingBean(Broadcaster.class)
  public Broadcaster heraldBroadcaster(HeraldSseProperties properties, StreamGroup group,
      ObjectProvider<DeliveryObserver> observer, ObjectProvider<Backplane> backplane) {
    Broadcaster broadcaster = Broadcasters.create(config(properties, observer.getIfUnique(), backplane.getIfUnique()));
    group.include(broadcaster);
    return broadcaster;
  }

  static BroadcasterConfig config(HeraldSseProperties properties, @Nullable DeliveryObserver observer,
      @Nullable Backplane backplane) {
    BroadcasterConfig.Builder config = BroadcasterConfig.builder().name(properties.getName())
        .assignIds(properties.isAssignIds()).channel(channel(properties.getQueue()))
        .deliveryObserver(observer).backplane(backplane);
    Duration heartbeat = properties.getHeartbeat();
    if (heartbeat != null) {
      config.heartbeat(heartbeat);
    }
    String greeting = properties.getGreeting();
    if (greeting != null) {
      config.greeting(Data.of(greeting));
    }
    Integer history = properties.getHistory();
    if (history != null) {
      config.history(history);
    }
    config.historyMaxAge(properties.getHistoryMaxAge());
    Integer maxClients = properties.getMaxClients();
    if (maxClients != null) {
      config.maxClients(maxClients);
    }
    Duration grace = properties.getSlowClientGrace();
    if (grace != null) {
      config.slowClientGrace(grace);
    }
    return config.build();
  }

  private static ChannelConfig channel(HeraldSseProperties.Queue queue) {
    ChannelConfig.Builder channel = ChannelConfig.builder();
    if (queue.getMaxEvents() != null) {
      channel.maxQueuedEvents(queue.getMaxEvents());
    }
    if (queue.getMaxBytes() != null) {
      channel.maxQueuedBytes(queue.getMaxBytes());
    }
    if (queue.getMaxEventBytes() != null) {
      channel.maxEventBytes(queue.getMaxEventBytes());
    }
    if (queue.getOverflowPolicy() != null) {
      channel.overflowPolicy(queue.getOverflowPolicy());
    }
    if (queue.getPacingWatermark() != null) {
      channel.pacingWatermark(queue.getPacingWatermark());
    }
    return channel.build();
  }

  /**
   * How the application's own single-client streams are served: in the group, so that they end with it.
   *
   * @param group the group
   * @return the stream configuration
   */
  @Bean
  @ConditionalOnMissingBean
  public StreamConfig heraldStreamConfig(StreamGroup group) {
    return StreamConfig.builder().group(group).build();
  }

  /**
   * Ends every stream as the application starts to stop, before the web server's graceful shutdown.
   *
   * @param group the group to end
   * @param broadcasters every broadcaster of the application, included in the group first
   * @param properties how long to wait
   * @return the listener
   */
  @Bean
  public HeraldSseShutdown heraldSseShutdown(StreamGroup group, ObjectProvider<Broadcaster> broadcasters,
      HeraldSseProperties properties) {
    return new HeraldSseShutdown(group, broadcasters, properties.getShutdownTimeout());
  }

  /** The Redis backplane, when {@code sse-redis} is on the class path and {@code herald.sse.redis.uri} is set. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "dev.herald.sse.redis.RedisBackplane")
  @ConditionalOnProperty("herald.sse.redis.uri")
  static class RedisBackplaneConfiguration {

    /** The backplane; not closed by Spring, for the broadcaster that starts it closes it. */
    @Bean(destroyMethod = "")
    @ConditionalOnMissingBean(Backplane.class)
    Backplane heraldBackplane(HeraldSseProperties properties) {
      String uri = properties.getRedis().getUri();
      if (uri == null || uri.isBlank()) {
        throw new IllegalStateException("herald.sse.redis.uri is empty");
      }
      return RedisBackplane.create(uri);
    }
  }

  /** The delivery delay's recorder, when Micrometer is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
  static class DeliveryDelayConfiguration {

    /** The recorder the broadcaster reports to and the binder registers the timer of. */
    @Bean
    @ConditionalOnMissingBean
    DeliveryDelayRecorder heraldDeliveryDelays() {
      return new DeliveryDelayRecorder();
    }
  }
}
