package dev.herald.sse.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import dev.herald.sse.core.StreamConfig;
import dev.herald.sse.core.StreamGroup;
import dev.herald.sse.micrometer.BroadcasterMetrics;
import dev.herald.sse.micrometer.DeliveryDelayRecorder;
import dev.herald.sse.spi.SseChannel;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.mock.web.reactive.function.server.MockServerRequest;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.support.RouterFunctionMapping;
import org.springframework.web.servlet.handler.SimpleUrlHandlerMapping;

/** What the auto-configuration makes from properties, when it backs off, and how it ends the streams. */
class HeraldSseAutoConfigurationTest {
  private static final AutoConfigurations ALL = AutoConfigurations.of(HeraldSseAutoConfiguration.class,
      HeraldSseWebMvcAutoConfiguration.class, HeraldSseWebFluxAutoConfiguration.class,
      HeraldSseMetricsAutoConfiguration.class,
      HeraldSseHealthAutoConfiguration.class);

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(ALL).withPropertyValues("herald.sse.heartbeat=0");
  private final WebApplicationContextRunner web = new WebApplicationContextRunner()
      .withConfiguration(ALL).withPropertyValues("herald.sse.heartbeat=0");
  private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
      .withConfiguration(ALL).withPropertyValues("herald.sse.heartbeat=0");

  @Test
  void makesANamedBroadcasterFromTheProperties() {
    runner.withPropertyValues("herald.sse.name=chat", "herald.sse.greeting=hello", "herald.sse.max-clients=1")
        .run(context -> {
          Broadcaster broadcaster = context.getBean(Broadcaster.class);
          assertThat(broadcaster.name()).isEqualTo("chat");
          SseChannel channel = broadcaster.subscribe(null);
          assertThat(channel.poll()).hasToString("data: hello\n\n");
          assertThat(channel.poll()).as("ids are on: the position comes next")
              .satisfies(frame -> assertThat(frame.toString()).startsWith("id: "));
          assertThat(broadcaster.isFull()).as("max-clients=1").isTrue();
          channel.close(CloseReason.CLIENT_GONE); // no transport ends it
        });
  }

  @Test
  void turnsIdsOffAndMapsTheQueueSettings() {
    runner.withPropertyValues("herald.sse.assign-ids=false", "herald.sse.queue.max-events=2",
        "herald.sse.queue.overflow-policy=drop-newest").run(context -> {
          Broadcaster broadcaster = context.getBean(Broadcaster.class);
          SseChannel channel = broadcaster.subscribe(null);
          for (int i = 0; i < 3; i++) {
            broadcaster.broadcast(Data.of("event " + i));
          }
          assertThat(channel.poll()).hasToString("data: event 0\n\n"); // no id, no position mark
          assertThat(broadcaster.stats().framesDropped()).as("queue of 2, drop-newest").isOne();
          assertThat(channel.isClosed()).isFalse();
          channel.close(CloseReason.CLIENT_GONE); // no transport ends it
        });
  }

  @Test
  void mapsThePacingWatermark() {
    runner.withPropertyValues("herald.sse.assign-ids=false", "herald.sse.queue.max-events=4",
        "herald.sse.queue.pacing-watermark=1").run(context -> {
          Broadcaster broadcaster = context.getBean(Broadcaster.class);
          SseChannel channel = broadcaster.subscribe(null);
          assertThat(broadcaster.broadcastPaced(Data.of("a")).toCompletableFuture()).isDone();
          CompletableFuture<Void> second = broadcaster.broadcastPaced(Data.of("b")).toCompletableFuture();
          assertThat(second).as("one queued: the watermark").isNotDone();
          assertThat(broadcaster.broadcast(Data.of("c"))).as("a plain broadcast has the queue").isOne();
          assertThat(channel.poll()).hasToString("data: a\n\n");
          assertThat(second).isNotDone();
          assertThat(channel.poll()).hasToString("data: b\n\n");
          assertThat(second).isDone();
          channel.close(CloseReason.CLIENT_GONE); // no transport ends it
        });
  }

  @Test
  void aBadPropertyFailsTheStartWithHeraldsMessage() {
    runner.withPropertyValues("herald.sse.history=10").run(context -> assertThat(context).hasFailed()
        .getFailure().rootCause().hasMessageContaining("history(10) is shorter than a client's queue"));
  }

  @Test
  void theStreamConfigNamesTheGroupThatIncludesTheBroadcaster() {
    runner.run(context -> {
      StreamGroup group = context.getBean(StreamGroup.class);
      assertThat(context.getBean(StreamConfig.class).group()).isSameAs(group);
      Broadcaster broadcaster = context.getBean(Broadcaster.class);
      group.shutdownAndAwait(Duration.ofSeconds(5));
      assertThat(broadcaster.isClosed()).as("included in the group").isTrue();
    });
  }

  @Test
  void backsOffWhenTheApplicationHasItsOwnBroadcasterAndStillEndsItsStreams() {
    runner.withUserConfiguration(OwnBroadcaster.class).run(context -> {
      assertThat(context).hasSingleBean(Broadcaster.class);
      assertThat(context.getBean(Broadcaster.class).name()).isEqualTo("own");
      assertThat(context).hasSingleBean(BroadcasterMetrics.class);
      Broadcaster own = context.getBean(Broadcaster.class);
      context.close();
      assertThat(own.isClosed()).isTrue();
    });
  }

  @Test
  void endsEveryStreamBeforeTheWebServersGracefulShutdownStarts() {
    runner.withUserConfiguration(GracefulShutdownStandIn.class).run(context -> {
      Broadcaster broadcaster = context.getBean(Broadcaster.class);
      SseChannel channel = broadcaster.subscribe(null);
      AtomicBoolean ended = new AtomicBoolean();
      // A transport that writes nowhere, and ends the stream once it is closed and drained.
      channel.start(() -> {
        while (channel.poll() != null) {
          // written
        }
        if (channel.isClosed()) {
          ended.set(true);
          channel.ended();
        }
      });
      GracefulShutdownStandIn standIn = context.getBean(GracefulShutdownStandIn.class);
      standIn.probe = () -> "broadcaster closed: " + broadcaster.isClosed() + ", stream ended: " + ended.get();
      context.close();
      assertThat(standIn.seenAtStop).containsExactly("broadcaster closed: true, stream ended: true");
    });
  }

  @Test
  void measuresTheDeliveryDelayWithMicrometerAndNothingWithout() {
    runner.run(context -> {
      assertThat(context).hasSingleBean(DeliveryDelayRecorder.class).hasSingleBean(BroadcasterMetrics.class);
    });
    runner.withClassLoader(new FilteredClassLoader("io.micrometer")).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(Broadcaster.class)
          .doesNotHaveBean(DeliveryDelayRecorder.class).doesNotHaveBean(BroadcasterMetrics.class);
    });
  }

  @Test
  void servesTheBroadcasterAtTheEndpointPathInAServletApplication() {
    web.run(context -> assertThat(mappedPaths(context.getBean("heraldSseHandlerMapping"))).containsExactly("/events"));
    web.withPropertyValues("herald.sse.endpoint.path=/stream")
        .run(context -> assertThat(mappedPaths(context.getBean("heraldSseHandlerMapping")))
            .containsExactly("/stream"));
    web.withPropertyValues("herald.sse.endpoint.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("heraldSseHandlerMapping"));
    runner.run(context -> assertThat(context).as("not a web application").doesNotHaveBean("heraldSseHandlerMapping"));
  }

  @Test
  void servesTheBroadcasterAtTheEndpointPathInAReactiveApplicationAfterItsOwnRoutes() {
    reactive.run(context -> {
      assertThat(context).doesNotHaveBean("heraldSseHandlerMapping");
      RouterFunctionMapping mapping = context.getBean("heraldSseRouterFunctionMapping", RouterFunctionMapping.class);
      assertThat(mapping.getOrder()).as("after the application's router functions and controllers").isEqualTo(1);
      assertThat(routes(mapping, "/events")).isTrue();
      assertThat(routes(mapping, "/other")).isFalse();
    });
    reactive.withPropertyValues("herald.sse.endpoint.path=/stream").run(context -> {
      RouterFunctionMapping mapping = context.getBean("heraldSseRouterFunctionMapping", RouterFunctionMapping.class);
      assertThat(routes(mapping, "/stream")).isTrue();
      assertThat(routes(mapping, "/events")).isFalse();
    });
    reactive.withPropertyValues("herald.sse.endpoint.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("heraldSseRouterFunctionMapping"));
    web.run(context -> assertThat(context).as("a servlet application")
        .doesNotHaveBean("heraldSseRouterFunctionMapping"));
  }

  private static boolean routes(RouterFunctionMapping mapping, String path) {
    RouterFunction<?> routes = java.util.Objects.requireNonNull(mapping.getRouterFunction());
    return routes.route(MockServerRequest.builder().method(HttpMethod.GET).uri(URI.create("http://localhost" + path))
        .build()).blockOptional(Duration.ofSeconds(5)).isPresent();
  }

  @Test
  void needsNoRedisWithoutTheProperty() {
    runner.run(context -> assertThat(context).doesNotHaveBean(dev.herald.sse.core.spi.Backplane.class));
    runner.withClassLoader(new FilteredClassLoader("dev.herald.sse.redis"))
        .withPropertyValues("herald.sse.redis.uri=redis://127.0.0.1:1")
        .run(context -> assertThat(context).as("sse-redis absent: the property does nothing").hasNotFailed()
            .doesNotHaveBean(dev.herald.sse.core.spi.Backplane.class));
  }

  private static List<String> mappedPaths(Object mapping) {
    return List.copyOf(((SimpleUrlHandlerMapping) mapping).getUrlMap().keySet());
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBroadcaster {
    @Bean
    Broadcaster ownBroadcaster() {
      return Broadcasters.create(BroadcasterConfig.builder().name("own").heartbeat(Duration.ZERO).build());
    }
  }

  /**
   * Stops in the phase of Boot's {@code WebServerGracefulShutdownLifecycle} ({@code SmartLifecycle.DEFAULT_PHASE -
   * 1024}), and notes what it finds then.
   */
  @Configuration(proxyBeanMethods = false)
  static class GracefulShutdownStandIn implements SmartLifecycle {
    final List<String> seenAtStop = new CopyOnWriteArrayList<>();
    volatile Supplier<String> probe = () -> "no probe";
    private volatile boolean running;

    @Override
    public void start() {
      running = true;
    }

    @Override
    public void stop() {
      seenAtStop.add(probe.get());
      running = false;
    }

    @Override
    public boolean isRunning() {
      return running;
    }

    @Override
    public int getPhase() {
      return SmartLifecycle.DEFAULT_PHASE - 1024;
    }
  }
}
