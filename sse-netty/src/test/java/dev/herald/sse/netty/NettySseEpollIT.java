package dev.herald.sse.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every socket test of {@link NettySseIT} again, on Netty's native epoll transport, and what only epoll does: the
 * limit on the kernel's unsent bytes of a stream's connection. On Linux x86_64 (this project's CI) epoll must load;
 * elsewhere the class is skipped with the reason.
 */
class NettySseEpollIT extends NettySseIT {

  @BeforeAll
  static void requireEpoll() {
    boolean linuxX64 = System.getProperty("os.name").startsWith("Linux")
        && System.getProperty("os.arch").matches("amd64|x86_64");
    if (linuxX64) {
      assertThat(Epoll.isAvailable()).as("epoll on Linux x86_64: %s", Epoll.unavailabilityCause()).isTrue();
    }
    Assumptions.assumeTrue(Epoll.isAvailable(), () -> "epoll is not available here: " + Epoll.unavailabilityCause());
  }

  @Override
  IoHandlerFactory ioHandler() {
    return EpollIoHandler.newFactory();
  }

  @Override
  Class<? extends ServerChannel> serverChannel() {
    return EpollServerSocketChannel.class;
  }

  @Test
  void aStreamBoundsWhatTheKernelHoldsUnsent() throws Exception {
    Listener events = connect("/events", null);
    events.expect("open");

    Channel connection = accepted.get(0);
    assertThat(connection).isInstanceOf(EpollSocketChannel.class);
    assertThat(connection.config().getOption(EpollChannelOption.TCP_NOTSENT_LOWAT))
        .as("256 KiB, unless this machine sets net.ipv4.tcp_notsent_lowat for every socket (then 0: its own)")
        .isEqualTo(machineWideLimit() ? 0L : 256 * 1024L);
  }

  @Test
  void aConnectionThatServesNoStreamKeepsTheKernelsDefault() throws Exception {
    try (Response response = client.newCall(new Request.Builder().url(base + "/nothing").build()).execute()) {
      assertThat(response.code()).isEqualTo(404);
    }

    assertThat(accepted.get(0).config().getOption(EpollChannelOption.TCP_NOTSENT_LOWAT)).isZero();
  }

  @Test
  void aLimitTheApplicationSetKeepsItsValue() throws Exception {
    onAccept = ch -> ch.config().setOption(EpollChannelOption.TCP_NOTSENT_LOWAT, 16_384L);

    Listener events = connect("/events", null);
    events.expect("open");

    assertThat(accepted.get(0).config().getOption(EpollChannelOption.TCP_NOTSENT_LOWAT)).isEqualTo(16_384L);
  }

  /** Whether an administrator set the sysctl, which Herald then leaves to decide. */
  private static boolean machineWideLimit() throws Exception {
    // Not Files.readString: a /proc file says its size is 0, and that reads too little.
    try (BufferedReader reader = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/tcp_notsent_lowat"))) {
      return !reader.readLine().trim().equals("4294967295");
    }
  }
}
