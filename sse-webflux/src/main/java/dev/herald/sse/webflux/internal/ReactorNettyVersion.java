package dev.herald.sse.webflux.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.http.server.HttpServer;

/**
 * The Reactor Netty versions with a known fault that undoes a clean shutdown of Herald's streams, told once per
 * class loader at the first stream served.
 *
 * <p>Reactor Netty before 1.2.18 (and 1.3.0 to 1.3.5) has a keep-alive race
 * (<a href="https://github.com/reactor/reactor-netty/issues/4188">reactor/reactor-netty#4188</a>): when the next
 * request on a keep-alive connection arrives before the write of the previous response's last chunk has completed,
 * the earlier exchange is never marked as ended, so the connection counts as busy for as long as it stays open. A
 * graceful shutdown ({@code DisposableServer.disposeNow}, Spring Boot's {@code server.shutdown=graceful}) then waits
 * its whole timeout (30 s in Boot) for it, although every Herald stream has ended, and stops the server with what is
 * left cut. Any client that reuses connections can trigger it: a load balancer's health check, an HTTP client
 * polling an actuator endpoint. Herald cannot mend it from outside; it says so with the fix, once.
 *
 * <p><b>Threading.</b> Thread-safe: a version is told once, whichever thread serves the first stream.
 */
final class ReactorNettyVersion {
  private static final Logger log = LoggerFactory.getLogger(ReactorNettyVersion.class);
  private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)");
  private static final AtomicBoolean checked = new AtomicBoolean();

  private ReactorNettyVersion() {}

  /** Logs once, at WARN, if the Reactor Netty on the class path has the keep-alive race. */
  static void warnIfAffected() {
    if (checked.compareAndSet(false, true)) {
      String version = HttpServer.class.getPackage().getImplementationVersion();
      if (hasKeepAliveRace(version)) {
        log.warn("Reactor Netty {} has a keep-alive race (reactor/reactor-netty#4188): a graceful shutdown can wait "
            + "its whole timeout for a connection that is in fact idle, after every stream has ended; use Reactor "
            + "Netty 1.2.18, 1.3.6 or later (on Spring Boot 3.5: reactor-bom.version 2024.0.18 or later)", version);
      }
    }
  }

  /**
   * Tells whether a Reactor Netty version is one with the keep-alive race: older than 1.2.18, or 1.3.0 to 1.3.5.
   *
   * @param version the version from the jar's manifest, such as {@code 1.2.11}; {@code null} or unreadable when
   *     unknown (a build of its own, a shaded copy), which is not taken for an affected one
   * @return whether it is affected
   */
  static boolean hasKeepAliveRace(@Nullable String version) {
    if (version == null) {
      return false;
    }
    Matcher m = VERSION.matcher(version);
    if (!m.lookingAt()) {
      return false;
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    int patch = Integer.parseInt(m.group(3));
    if (major != 1) {
      return major < 1;
    }
    return switch (minor) {
      case 0, 1 -> true;
      case 2 -> patch < 18;
      case 3 -> patch < 6;
      default -> false;
    };
  }
}
