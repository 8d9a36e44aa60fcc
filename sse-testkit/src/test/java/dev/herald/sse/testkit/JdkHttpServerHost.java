package dev.herald.sse.testkit;

import com.sun.net.httpserver.HttpServer;
import dev.herald.sse.core.Handshake;
import dev.herald.sse.core.StreamConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's own HTTP server with {@link JdkHttpServerSse} at {@code /events} and {@code /stream}: the third
 * transport, which shows that the suites need nothing of a transport but the handshake and a drain loop.
 */
final class JdkHttpServerHost implements SseHost {

  @Override
  public TestServer start(ServerSetup setup) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    // A thread per open stream: the JDK server's response body blocks.
    ExecutorService threads = Executors.newCachedThreadPool();
    server.setExecutor(threads);
    server.createContext("/events", new JdkHttpServerSse(Handshake.of(setup.broadcaster(), setup.streamConfig())));
    server.createContext("/stream", new JdkHttpServerSse(Handshake.of(setup.streamConfig(), setup.onStream())));
    server.start();
    return new TestServer() {
      @Override
      public int port() {
        return server.getAddress().getPort();
      }

      @Override
      public void stop() throws InterruptedException {
        server.stop(0);
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
      }
    };
  }
}
