package dev.herald.sse.spring.boot;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.StreamGroup;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Ends every stream of the application as it starts to stop: on {@link ContextClosedEvent}, it includes every
 * {@link Broadcaster} bean in the {@link StreamGroup} and {@linkplain StreamGroup#shutdownAndAwait(Duration) shuts
 * the group down}, so that each stream writes what is queued and the end of its response.
 *
 * <p><b>Why an event listener.</b> Spring publishes {@code ContextClosedEvent} first when a context closes, before
 * it stops any {@code SmartLifecycle} bean, and so before Spring Boot's {@code WebServerGracefulShutdownLifecycle}
 * waits for requests in flight: once the streams have ended, the graceful shutdown finds none, and the application
 * exits at once rather than after the graceful shutdown's timeout (30 s by default) with its streams cut. A
 * {@code SmartLifecycle} in a phase above the graceful shutdown's would work too, but would also be stopped by
 * {@code context.stop()}, which does not end the application, and depends on a phase number that Boot does not
 * promise; the event is the one signal that means "the application is stopping" on every Boot line. Closing the
 * broadcaster from its bean's destroy method is too late: beans are destroyed after the web server has stopped.
 *
 * <p><b>Threading.</b> Runs on the thread that closes the context (the JVM's shutdown hook after SIGTERM), and
 * blocks it until the streams have ended or the timeout has passed; the events of child contexts (such as a
 * separate management server's) are ignored.
 */
public final class HeraldSseShutdown implements ApplicationListener<ContextClosedEvent>, ApplicationContextAware {
  private static final Logger log = LoggerFactory.getLogger(HeraldSseShutdown.class);

  private final StreamGroup group;
  private final ObjectProvider<Broadcaster> broadcasters;
  private final Duration timeout;
  private @Nullable ApplicationContext context;

  /**
   * Makes the listener.
   *
   * @param group the group to end
   * @param broadcasters the application's broadcasters, included in the group before it ends
   * @param timeout how long to wait for the streams to end
   */
  public HeraldSseShutdown(StreamGroup group, ObjectProvider<Broadcaster> broadcasters, Duration timeout) {
    this.group = requireNonNull(group, "group");
    this.broadcasters = requireNonNull(broadcasters, "broadcasters");
    this.timeout = requireNonNull(timeout, "timeout");
  }

  @Override
  public void setApplicationContext(ApplicationContext context) {
    this.context = context;
  }

  @Override
  public void onApplicationEvent(ContextClosedEvent event) {
    if (context != null && event.getApplicationContext() != context) {
      return; // a child context closes; the application goes on
    }
    broadcasters.forEach(group::include);
    long start = System.nanoTime();
    if (group.shutdownAndAwait(timeout)) {
      log.debug("every stream ended in {} ms", (System.nanoTime() - start) / 1_000_000);
    } else {
      log.warn("streams still open {} after the application started to stop; the web server cuts them",
          timeout);
    }
  }
}
