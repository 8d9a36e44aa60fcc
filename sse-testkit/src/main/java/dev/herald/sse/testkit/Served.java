package dev.herald.sse.testkit;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.Broadcaster;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one test of a suite started on its host, closed after it in one call: the broadcasters, the servers and the
 * raw clients, then the host's own check.
 *
 * <p><b>Threading.</b> Not thread-safe: a test's own thread uses it.
 */
final class Served {
  private final SseHost host;
  private final List<RawSseClient> clients = new ArrayList<>();
  private final List<Broadcaster> broadcasters = new ArrayList<>();
  private final List<TestServer> servers = new ArrayList<>();

  Served(SseHost host) {
    this.host = requireNonNull(host, "host");
  }

  /** Closes this broadcaster after the test. */
  Broadcaster broadcaster(Broadcaster broadcaster) {
    broadcasters.add(broadcaster);
    return broadcaster;
  }

  /** Starts a server on the host, stopped after the test, and returns its port. */
  int serve(ServerSetup setup) throws Exception {
    return server(setup).port();
  }

  /** Starts a server on the host, stopped after the test (a test may stop it earlier: stopping twice is harmless). */
  TestServer server(ServerSetup setup) throws Exception {
    TestServer server = host.start(setup);
    servers.add(server);
    return server;
  }

  /** Connects a raw client, closed after the test, and sends it this request. */
  RawSseClient send(int port, String request) throws IOException {
    RawSseClient client = RawSseClient.connect(port, 0);
    clients.add(client);
    return client.send(request);
  }

  /** Closes the clients and broadcasters, stops the servers, then runs the host's check. */
  void close() throws Exception {
    clients.forEach(RawSseClient::close);
    broadcasters.forEach(Broadcaster::close);
    for (TestServer server : servers) {
      server.stop();
    }
    host.afterEachTest();
  }
}
