package dev.herald.sse.core.internal;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one daemon thread that runs every broadcaster's heartbeats and timeouts, started by the first broadcaster
 * that needs it and stopped when the last one closes.
 */
final class SharedTimer {
  private static final Logger log = LoggerFactory.getLogger(SharedTimer.class);
  private static final Object LOCK = new Object();
  private static @Nullable ScheduledThreadPoolExecutor executor; // guarded by LOCK
  private static int users;

  private SharedTimer() {}

  static ScheduledExecutorService acquire() {
    synchronized (LOCK) {
      if (executor == null) {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, runnable -> {
          Thread thread = new Thread(runnable, "herald-timer");
          thread.setDaemon(true);
          // Not the context class loader of the caller that happened to start it: in a servlet container that is
          // a web app's, which this thread (serving every broadcaster, and outliving that caller) would keep
          // alive, and which Tomcat reports as a leak when the web app stops.
          thread.setContextClassLoader(SharedTimer.class.getClassLoader());
          return thread;
        });
        e.setRemoveOnCancelPolicy(true);
        e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor = e;
        log.debug("started the shared timer");
      }
      users++;
      return executor;
    }
  }

  static void release(ScheduledExecutorService released) {
    synchronized (LOCK) {
      ScheduledThreadPoolExecutor current = executor;
      if (current == null || released != current) {
        return;
      }
      if (--users == 0) {
        current.shutdownNow();
        executor = null;
        log.debug("stopped the shared timer");
      }
    }
  }

  /** For tests: whether the shared timer thread is running. */
  static boolean isRunning() {
    synchronized (LOCK) {
      return executor != null && !executor.isShutdown();
    }
  }
}
