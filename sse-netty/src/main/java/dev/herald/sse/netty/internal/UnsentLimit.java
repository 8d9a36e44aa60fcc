package dev.herald.sse.netty.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollSocketChannelConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds how many bytes of an event stream the kernel may hold not yet sent: Linux's {@code TCP_NOTSENT_LOWAT}, set
 * to {@link #BYTES} on a connection of Netty's native epoll transport when it becomes an event stream.
 *
 * <p>Why: Herald paces a producer by its clients' queues, which it can see. Past them, a socket's send buffer, which
 * Linux grows by itself up to {@code net.ipv4.tcp_wmem}'s maximum (4 MiB by default), takes whatever the event loop
 * writes, and a client that reads slower than the server writes then carries seconds of events in the kernel, where
 * neither the queue's limits nor the pacing see them (measured in {@code sse-bench/results}). With this limit the
 * socket turns unwritable once 256 KiB wait to be sent, so the backlog stays in Herald's queue, where it is bounded
 * and paced. Unlike a smaller {@code SO_SNDBUF}, it limits only what is not yet sent, not what is in flight, so a
 * distant client's throughput is not capped by its round-trip time.
 *
 * <p>Why 256 KiB: measured on loopback against a raw Netty server with the kernel's defaults
 * ({@code sse-bench/results/unsent-limit-2026-12-01.md}), 64 KiB kept a saturated client's latency at about a quarter
 * of the raw server's but cost a tenth of the throughput, as the clients then read the stream in smaller pieces;
 * 256 KiB delivered as many events per second as the raw server, with its latency still well below the raw
 * server's; 1 MiB gained no more throughput and doubled the latency. The limit does not let a socket hold more than
 * its send buffer, which Linux sizes by itself, so it adds no memory for a client that stopped reading.
 *
 * <p>A limit the socket already has is kept: one set with Netty's
 * {@code .childOption(EpollChannelOption.TCP_NOTSENT_LOWAT, bytes)}, or a machine-wide
 * {@code net.ipv4.tcp_notsent_lowat}. NIO sockets (the JDK has no such option) and HTTP/2 streams (their
 * connection is shared, and flow control bounds each stream) are left as they are. The epoll classes are an optional
 * dependency: without them on the class path, this does nothing.
 *
 * <p>Both of Herald's Netty-based transports call it: this one and the WebFlux transport on Reactor Netty (which runs
 * on epoll whenever its native jar loads, as it does by default on Linux).
 *
 * <p><b>Threading.</b> Stateless; called on the connection's event loop.
 */
public final class UnsentLimit {
  /** The limit Herald sets: 256 KiB (see the class's javadoc for why). */
  static final long BYTES = 256 * 1024;

  private static final Logger log = LoggerFactory.getLogger(UnsentLimit.class);
  private static final boolean EPOLL = classPresent("io.netty.channel.epoll.EpollSocketChannel");
  private static final String SYSCTL = "/proc/sys/net/ipv4/tcp_notsent_lowat";
  /** Linux's value of the sysctl when nobody has set it: no limit. */
  private static final String UNSET = "4294967295";
  private static final boolean MACHINE_WIDE = machineWideLimit();

  private UnsentLimit() {}

  /**
   * Sets the limit on {@code channel} if it is an epoll TCP connection without one.
   *
   * @param channel the connection that now carries an event stream
   */
  public static void apply(Channel channel) {
    if (EPOLL && !MACHINE_WIDE) {
      EpollSockets.apply(channel);
    }
  }

  /** The part that names epoll's classes, loaded only once they are known to be there. */
  private static final class EpollSockets {
    static void apply(Channel channel) {
      if (!(channel instanceof EpollSocketChannel socket)) {
        return;
      }
      EpollSocketChannelConfig config = socket.config();
      try {
        if (config.getTcpNotSentLowAt() == 0) {
          config.setTcpNotSentLowAt(BYTES);
        }
      } catch (ChannelException e) {
        // A kernel before 3.12 has no such option: the stream works as it would on NIO.
        log.debug("TCP_NOTSENT_LOWAT not set on {}: {}", channel, e.toString());
      }
    }
  }

  private static boolean classPresent(String name) {
    try {
      Class.forName(name, false, UnsentLimit.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private static boolean machineWideLimit() {
    // Read as a stream: a /proc file says its size is 0, which Files.readString trusts and then reads too little.
    try (BufferedReader reader = Files.newBufferedReader(Path.of(SYSCTL), StandardCharsets.US_ASCII)) {
      String value = reader.readLine();
      return value != null && !value.isBlank() && !value.trim().equals(UNSET);
    } catch (IOException | RuntimeException e) {
      return false; // not Linux, or not readable: the socket's own value still decides
    }
  }
}
