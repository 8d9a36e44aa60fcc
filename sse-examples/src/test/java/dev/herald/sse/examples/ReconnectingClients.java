package dev.herald.sse.examples;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import dev.herald.sse.testkit.HttpResponseDecoder;
import dev.herald.sse.testkit.RawSseClient;
import dev.herald.sse.testkit.parser.EventStreamParser;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * Many event-stream clients that reconnect as {@code EventSource} does: when a stream ends (the server died, a
 * proxy cut it), the client connects again after a short delay, sending the last event id it saw as
 * {@code Last-Event-ID}. All are read and reconnected by one selector thread, so hundreds cost one thread.
 *
 * <p><b>Threading.</b> Open clients from any thread; what a client recorded is safe to read from any thread.
 */
final class ReconnectingClients implements AutoCloseable {
  /** How long a client waits before it reconnects: {@code EventSource} waits about that long by default. */
  private static final long RECONNECT_NANOS = 200_000_000L;

  private final InetSocketAddress address;
  private final String path;
  private final Selector selector;
  private final Thread thread;
  private final List<Client> clients = new CopyOnWriteArrayList<>();
  private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
  private volatile boolean running = true;
  private volatile @Nullable Throwable failure;

  ReconnectingClients(int port, String path) throws IOException {
    this.address = new InetSocketAddress("127.0.0.1", port);
    this.path = path;
    this.selector = Selector.open();
    this.thread = new Thread(this::run, "reconnecting-clients");
    thread.setDaemon(true);
    thread.start();
  }

  /** Opens a client; it connects on the selector thread. */
  Client open() {
    Client client = new Client(clients.size());
    clients.add(client);
    selector.wakeup();
    return client;
  }

  List<Client> clients() {
    return List.copyOf(clients);
  }

  /** Returns what stopped the selector thread, if anything did. */
  @Nullable Throwable failure() {
    return failure;
  }

  @Override
  public void close() {
    running = false;
    selector.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Client client : clients) {
      client.closeConnection();
    }
    try {
      selector.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  private void run() {
    try {
      while (running) {
        selector.select(20);
        long now = System.nanoTime();
        for (Client client : clients) {
          if (client.channel == null && now - client.reconnectAt >= 0) {
            connect(client);
          }
        }
        for (SelectionKey key : selector.selectedKeys()) {
          Client client = (Client) key.attachment();
          if (key.isValid()) {
            serve(key, client);
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException | RuntimeException e) {
      if (running) {
        failure = e;
      }
    }
  }

  private void connect(Client client) throws IOException {
    SocketChannel channel = SocketChannel.open();
    channel.configureBlocking(false);
    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    client.begin(channel);
    if (channel.connect(address)) {
      sendRequest(client);
      channel.register(selector, SelectionKey.OP_READ, client);
    } else {
      channel.register(selector, SelectionKey.OP_CONNECT, client);
    }
  }

  private void serve(SelectionKey key, Client client) {
    SocketChannel channel = (SocketChannel) key.channel();
    try {
      if (key.isConnectable()) {
        channel.finishConnect();
        sendRequest(client);
        key.interestOps(SelectionKey.OP_READ);
        return;
      }
      buffer.clear();
      int n = channel.read(buffer);
      if (n < 0) {
        client.ended();
        return;
      }
      buffer.flip();
      client.feed(buffer);
    } catch (IOException e) {
      client.ended();
    }
  }

  private void sendRequest(Client client) throws IOException {
    String lastEventId = client.lastEventId;
    String request = lastEventId.isEmpty()
        ? RawSseClient.get(path)
        : RawSseClient.get(path, "Last-Event-ID: " + lastEventId);
    ByteBuffer bytes = ByteBuffer.wrap(request.getBytes(ISO_8859_1));
    while (bytes.hasRemaining()) {
      client.channel.write(bytes); // a few hundred bytes into an empty socket buffer: written at once
    }
  }

  /** The events one connection of a client dispatched, and who served it. */
  record Connection(int status, @Nullable String upstream, List<MessageEvent> events) {}

  /** One reconnecting client, served by the selector thread. */
  final class Client {
    private final int index;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final List<MessageEvent> events = new CopyOnWriteArrayList<>();
    private @Nullable SocketChannel channel; // the selector thread's
    private long reconnectAt = System.nanoTime(); // the selector thread's
    private volatile String lastEventId = "";
    private volatile @Nullable String upstream; // of the connection open now, once its head arrived
    private volatile int status = -1; // the same
    private @Nullable HttpResponseDecoder response; // the selector thread's
    private @Nullable EventStreamParser parser; // the selector thread's
    private final List<MessageEvent> current = new ArrayList<>(); // the selector thread's
    private int dispatched; // the selector thread's: events of the parser already recorded

    private Client(int index) {
      this.index = index;
    }

    private void begin(SocketChannel channel) {
      this.channel = channel;
      EventStreamParser events = new EventStreamParser();
      this.parser = events;
      this.response = new HttpResponseDecoder((bytes, offset, length) -> events.feed(
          ByteBuffer.wrap(bytes, offset, length)));
      this.dispatched = 0;
      this.current.clear();
      this.upstream = null;
      this.status = -1;
    }

    private void feed(ByteBuffer bytes) {
      HttpResponseDecoder decoder = response;
      EventStreamParser events = parser;
      if (decoder == null || events == null) {
        return;
      }
      decoder.feed(bytes);
      if (status < 0 && decoder.headReceived()) {
        upstream = decoder.header("X-Upstream");
        status = decoder.status();
      }
      List<MessageEvent> all = events.events();
      for (int i = dispatched; i < all.size(); i++) {
        this.events.add(all.get(i));
        current.add(all.get(i));
      }
      dispatched = all.size();
      lastEventId = events.lastEventId();
    }

    /** The connection ended: record it and reconnect after the delay. */
    private void ended() {
      connections.add(new Connection(status, upstream, List.copyOf(current)));
      closeConnection();
      channel = null;
      reconnectAt = System.nanoTime() + RECONNECT_NANOS;
    }

    private void closeConnection() {
      SocketChannel open = channel;
      if (open != null) {
        try {
          open.close();
        } catch (IOException e) {
          // nothing to do
        }
      }
    }

    /** Returns every event dispatched so far, over all connections, in order. */
    List<MessageEvent> events() {
      return List.copyOf(events);
    }

    /** Returns the connections that ended so far. */
    List<Connection> endedConnections() {
      return List.copyOf(connections);
    }

    /** Returns the node that serves the connection open now, as the proxy named it, or null. */
    @Nullable String upstream() {
      return upstream;
    }

    /** Returns the status of the connection open now, or -1 before its head arrived. */
    int status() {
      return status;
    }

    @Override
    public String toString() {
      return "client " + index + " (" + events.size() + " events, " + connections.size() + " ended connections, on "
          + upstream() + ")";
    }
  }
}
