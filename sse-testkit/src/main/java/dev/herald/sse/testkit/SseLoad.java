package dev.herald.sse.testkit;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * Many event-stream clients on raw sockets, all read by one selector thread: load without a thread per client.
 *
 * <p>Each {@link Client} checks its stream as it reads it, cheaply enough for hundreds of clients and hundreds of
 * megabytes: it counts dispatched events, and checks that numeric ids rise by exactly one from the first it sees (no
 * gap, no duplicate, no reordering). A client can also be opened stalled: it sends its request and never reads, as
 * a client that stopped reading does (with a small receive buffer, the server's writes back up at once).
 *
 * <p><b>Threading.</b> Open and close clients from any thread; a client's counters are safe to read from any
 * thread.
 */
public final class SseLoad implements AutoCloseable {
  private final Selector selector;
  private final Thread thread;
  private final Queue<Client> toRegister = new ConcurrentLinkedQueue<>();
  private final List<Client> clients = new CopyOnWriteArrayList<>();
  private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
  private volatile boolean running = true;

  private SseLoad(String name) throws IOException {
    selector = Selector.open();
    thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Starts the reading thread.
   *
   * @param name the thread's name
   * @return the running load
   * @throws IOException if no selector can be opened
   */
  public static SseLoad start(String name) throws IOException {
    return new SseLoad(name);
  }

  /**
   * Connects a client to 127.0.0.1 and sends its request.
   *
   * @param port the server's port
   * @param request the request bytes, as ISO-8859-1 text (see {@link RawSseClient#get})
   * @param receiveBuffer the receive buffer, or 0 for the default
   * @param read whether to read the stream; {@code false} opens a stalled client
   * @return the client
   */
  public Client open(int port, String request, int receiveBuffer, boolean read) {
    try {
      SocketChannel channel = SocketChannel.open();
      try {
        if (receiveBuffer > 0) {
          channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
        }
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.connect(new InetSocketAddress("127.0.0.1", port));
        ByteBuffer bytes = ByteBuffer.wrap(request.getBytes(ISO_8859_1));
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        channel.configureBlocking(false);
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      Client client = new Client(channel);
      clients.add(client);
      if (read) {
        toRegister.add(client);
        selector.wakeup();
      }
      return client;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Returns every client opened so far.
   *
   * @return a snapshot
   */
  public List<Client> clients() {
    return new ArrayList<>(clients);
  }

  /** Stops reading and closes every client (FIN). */
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
      client.close();
    }
    try {
      selector.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  private void run() {
    while (running) {
      try {
        selector.select(100);
        Client added;
        while ((added = toRegister.poll()) != null) {
          if (added.channel.isOpen()) {
            added.channel.register(selector, SelectionKey.OP_READ, added);
          }
        }
        for (SelectionKey key : selector.selectedKeys()) {
          Client client = (Client) key.attachment();
          if (!key.isValid()) {
            continue;
          }
          buffer.clear();
          int n;
          try {
            n = client.channel.read(buffer);
          } catch (IOException e) {
            n = -1;
            client.reset = true;
          }
          if (n < 0) {
            key.cancel();
            client.eof = true;
            client.close();
            continue;
          }
          buffer.flip();
          client.response.feed(buffer);
        }
        selector.selectedKeys().clear();
      } catch (IOException | RuntimeException e) {
        if (running) {
          throw new IllegalStateException("the load client failed", e);
        }
      }
    }
  }

  /** One client of the load, read by the load's thread. */
  public static final class Client {
    private final SocketChannel channel;
    private final HttpResponseDecoder response;
    private final byte[] line = new byte[96];
    private int lineLength;
    private boolean lineOverflow;
    private long pendingId = -1;
    private boolean pendingData;
    private boolean pendingReset;

    private volatile long events;
    private volatile long firstId = -1;
    private volatile long lastId = -1;
    private volatile long outOfOrder;
    private volatile boolean sawReset;
    private volatile boolean eof;
    private volatile boolean reset;

    Client(SocketChannel channel) {
      this.channel = channel;
      this.response = new HttpResponseDecoder(this::body);
    }

    /**
     * Returns the status code.
     *
     * @return the code, or -1 before the head arrived
     */
    public int status() {
      return response.status();
    }

    /**
     * Returns a response header, once the head has arrived.
     *
     * @param name its name, any case
     * @return its value, or {@code null}
     */
    public @Nullable String header(String name) {
      return response.headReceived() ? response.header(name) : null;
    }

    /**
     * Returns how many events were dispatched.
     *
     * @return the count
     */
    public long events() {
      return events;
    }

    /**
     * Returns the first numeric id seen.
     *
     * @return the id, or -1
     */
    public long firstId() {
      return firstId;
    }

    /**
     * Returns the last numeric id seen.
     *
     * @return the id, or -1
     */
    public long lastId() {
      return lastId;
    }

    /**
     * Returns how many events had an id other than one more than the previous one.
     *
     * @return the count of gaps, duplicates and reorderings
     */
    public long outOfOrder() {
      return outOfOrder;
    }

    /**
     * Tells whether an {@code event: reset} arrived.
     *
     * @return {@code true} if one did
     */
    public boolean sawReset() {
      return sawReset;
    }

    /**
     * Tells whether the connection ended (EOF or reset).
     *
     * @return {@code true} once it did
     */
    public boolean ended() {
      return eof || reset;
    }

    /**
     * Tells whether the response ended as HTTP delimits it (the last chunk), not by a reset or a bare close.
     *
     * @return {@code true} after a clean end
     */
    public boolean endedCleanly() {
      return response.ended();
    }

    /** Closes the connection (FIN). */
    public void close() {
      try {
        channel.close();
      } catch (IOException e) {
        // nothing to do
      }
    }

    /** Resets the connection (RST). */
    public void abort() {
      try {
        channel.setOption(StandardSocketOptions.SO_LINGER, 0);
      } catch (IOException e) {
        // closing anyway
      }
      close();
    }

    @Override
    public String toString() {
      return "Client{status=" + status() + ", events=" + events + ", ids=" + firstId + ".." + lastId + ", outOfOrder="
          + outOfOrder + ", ended=" + ended() + ", clean=" + endedCleanly() + '}';
    }

    // The encoder writes LF line ends; this reader only needs the id and event lines and the blank line.
    private void body(byte[] bytes, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        byte b = bytes[i];
        if (b != '\n') {
          if (lineLength < line.length) {
            line[lineLength++] = b;
          } else {
            lineOverflow = true;
          }
          continue;
        }
        lineEnded();
        lineLength = 0;
        lineOverflow = false;
      }
    }

    private void lineEnded() {
      if (lineLength == 0 && !lineOverflow) {
        if (pendingData) {
          dispatched();
        }
        pendingData = false;
        pendingId = -1;
        pendingReset = false;
        return;
      }
      if (startsWith("data")) {
        pendingData = true;
      } else if (startsWith("id: ") && !lineOverflow) {
        pendingId = parse(4);
      } else if (startsWith("event: reset") && lineLength == 12) {
        pendingReset = true;
      }
    }

    private void dispatched() {
      if (pendingReset) {
        sawReset = true;
      }
      if (pendingId >= 0) {
        if (firstId < 0) {
          firstId = pendingId;
        } else if (pendingId != lastId + 1) {
          outOfOrder++;
        }
        lastId = pendingId;
      }
      events++;
    }

    private boolean startsWith(String prefix) {
      if (lineLength < prefix.length()) {
        return false;
      }
      for (int i = 0; i < prefix.length(); i++) {
        if (line[i] != prefix.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    private long parse(int from) {
      long value = 0;
      if (from >= lineLength) {
        return -1;
      }
      for (int i = from; i < lineLength; i++) {
        int digit = line[i] - '0';
        if (digit < 0 || digit > 9 || value > Long.MAX_VALUE / 10) {
          return -1;
        }
        value = value * 10 + digit;
      }
      return value;
    }
  }
}
