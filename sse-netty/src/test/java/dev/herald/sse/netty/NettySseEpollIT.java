package dev.herald.sse.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every socket test of {@link NettySseIT} again, on Netty's native epoll transport. On Linux x86_64 (this project's
 * CI) epoll must load; elsewhere the class is skipped with the reason.
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
}
