package dev.herald.sse.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.CloseReason;
import dev.herald.sse.Data;
import dev.herald.sse.core.ChannelConfig;
import dev.herald.sse.core.Channels;
import dev.herald.sse.spi.SseChannel;
import dev.herald.sse.testkit.Probes;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The drain and the ending rules, against an in-memory async response whose readiness the test controls. */
class ServletStreamTest {
  private final FakeOutput out = new FakeOutput();
  private final FakeAsync async = new FakeAsync();
  private final SseChannel channel = Channels.open(ChannelConfig.defaults(), null);

  @Test
  void startsAsyncWithNoTimeoutAndDrainsWhenTheContainerSaysWritable() throws IOException {
    channel.sender().send(Data.of("queued before the start"));
    serve(Duration.ofSeconds(5));

    assertThat(async.timeout).isZero();
    assertThat(out.written()).isEmpty(); // nothing until the container's first onWritePossible
    out.listener.onWritePossible();
    assertThat(out.written()).isEqualTo("data: queued before the start\n\n");
    assertThat(out.flushes).isEqualTo(1);
  }

  @Test
  void producerWakeUpDrainsOnTheContainersPoolNotInPlace() throws IOException {
    serve(Duration.ofSeconds(5));
    out.listener.onWritePossible();

    channel.sender().send(Data.of("a"));
    channel.sender().send(Data.of("b"));

    assertThat(out.written()).isEmpty();
    assertThat(async.started).hasSize(1); // one hand-off for the idle-to-busy change, not one per event
    async.runStarted();
    assertThat(out.written()).isEqualTo("data: a\n\ndata: b\n\n");
  }

  @Test
  void clientResetWithADrainStillQueuedCompletesOnlyOnceTheDrainHasBegun() throws Exception {
    serve(Duration.ofSeconds(5));
    out.listener.onWritePossible();
    channel.sender().send(Data.of("a")); // hands a drain to the container, which has not run it yet
    assertThat(async.started).hasSize(1);
    AtomicInteger completionsWhenTheDrainBegan = new AtomicInteger(-1);
    Runnable queued = async.started.remove(0);
    // The container's pool runs the queued drain while the reset is being reported; Jetty's task needs the
    // request's async state until it begins, so completing first would fail it.
    Thread pool = new Thread(() -> {
      completionsWhenTheDrainBegan.set(async.completions.get());
      queued.run();
    });

    pool.start();
    async.fireError(new IOException("connection reset"));
    pool.join(TimeUnit.SECONDS.toMillis(10));

    assertThat(completionsWhenTheDrainBegan.get()).as("completed before the queued drain began").isZero();
    assertThat(async.completions.get()).isEqualTo(1);
    assertThat(channel.closeReason()).isEqualTo(CloseReason.CLIENT_GONE);
  }

  @Test
  void drainStopsPollingWhenNotReadyAndResumesOnWritePossible() throws IOException {
    serve(Duration.ofSeconds(5));
    out.listener.onWritePossible();
    out.readyForWrites = 1;
    // Events as large as a batch are written one per write, so one ready write takes exactly one.
    String one = "1".repeat(5_000);
    String two = "2".repeat(5_000);
    String three = "3".repeat(5_000);

    channel.sender().send(Data.of(one));
    channel.sender().send(Data.of(two));
    channel.sender().send(Data.of(three));
    async.runStarted();
    assertThat(out.written()).isEqualTo("data: " + one + "\n\n");
    assertThat(channel.hasPending()).isTrue();

    out.readyForWrites = Integer.MAX_VALUE;
    out.listener.onWritePossible();
    assertThat(out.written()).isEqualTo("data: " + one + "\n\ndata: " + two + "\n\ndata: " + three + "\n\n");
  }

  @Test
  void smallEventsQueuedBehindTheFirstGoOutInOneWrite() throws IOException {
    serve(Duration.ofSeconds(5));
    out.listener.onWritePossible();
    out.readyForWrites = 1; // one write, then not ready: the three events must fit in it

    channel.sender().send(Data.of("1"));
    channel.sender().send(Data.of("2"));
    channel.sender().send(Data.of("3"));
    async.runStarted();

    assertThat(out.written()).isEqualTo("data: 1\n\ndata: 2\n\ndata: 3\n\n");
    assertThat(channel.hasPending()).isFalse();
  }

  @Test
  void serverCloseWritesWhatIsQueuedThenCompletesOnce() throws IOException {
    serve(Duration.ofSeconds(5));
    out.listener.onWritePossible();

    channel.sender().send(Data.of("last"));
    channel.sender().close();
    async.runStarted();

    assertThat(out.written()).isEqualTo("data: last\n\n");
    assertThat(async.completions.get()).isEqualTo(1);
    async.fireComplete();
    assertThat(async.completions.get()).isEqualTo(1);
  }

  @Test
  void closedStreamWhoseClientStopsReadingIsCompletedAfterTheGrace() throws IOException {
    serve(Duration.ofMillis(500)); // long enough that "not yet" holds on a busy machine
    out.listener.onWritePossible();
    out.readyForWrites = 0;

    channel.sender().send(Data.of("never read"));
    channel.sender().close();
    async.runStarted();
    assertThat(async.completions.get()).isZero(); // still waiting for the client to read

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (async.completions.get() == 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    assertThat(async.completions.get()).isEqualTo(1);
    assertThat(out.written()).isEmpty();
  }

  @Test
  void slowConsumerCloseCompletesAtOnceEvenWithAWritePending() throws IOException {
    serve(Duration.ofSeconds(5));
    out.listener.onWritePossible();
    out.readyForWrites = 0;
    channel.sender().send(Data.of("stuck"));
    async.runStarted();

    channel.close(CloseReason.SLOW_CONSUMER);
    async.runStarted();

    assertThat(async.completions.get()).isEqualTo(1);
  }

  @Test
  void failedWriteClosesTheClientAsGoneAndCompletesOnce() throws IOException {
    serve(Duration.ofSeconds(5));
    out.listener.onWritePossible();
    out.failure = new IOException("Broken pipe");

    channel.sender().send(Data.of("lost"));
    async.runStarted();

    assertThat(channel.closeReason()).isEqualTo(CloseReason.CLIENT_GONE);
    assertThat(async.completions.get()).isEqualTo(1);
    async.fireError(new IOException("Broken pipe"));
    assertThat(async.completions.get()).isEqualTo(1);
  }

  @Test
  void containerErrorClosesTheClientAsGoneAndCompletesOnce() throws IOException {
    serve(Duration.ofSeconds(5));
    out.listener.onWritePossible();

    async.fireError(new IOException("Connection reset by peer"));
    async.fireComplete();
    channel.sender().trySend(Data.of("after the end"));
    async.runStarted();

    assertThat(channel.closeReason()).isEqualTo(CloseReason.CLIENT_GONE);
    assertThat(async.completions.get()).isEqualTo(1);
    assertThat(out.written()).isEmpty();
  }

  @Test
  void containerCompletionClosesTheClientWithoutCompletingAgain() throws IOException {
    serve(Duration.ofSeconds(5));
    out.listener.onWritePossible();

    async.fireComplete();

    assertThat(channel.closeReason()).isEqualTo(CloseReason.CLIENT_GONE);
    assertThat(async.completions.get()).isZero();
  }

  @Test
  void unexpectedFailureClosesWithError() throws IOException {
    serve(Duration.ofSeconds(5));
    out.listener.onWritePossible();

    out.listener.onError(new IllegalStateException("container bug"));

    assertThat(channel.closeReason()).isEqualTo(CloseReason.ERROR);
    assertThat(async.completions.get()).isEqualTo(1);
  }

  @Test
  void containerErrorWaitsForADrainInFlightAndNothingTouchesTheResponseAfterIt() throws Exception {
    serve(Duration.ofSeconds(5));
    out.listener.onWritePossible();
    CountDownLatch inWrite = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    out.blockNextWrite(inWrite, gate);
    channel.sender().send(Data.of("1"));
    channel.sender().send(Data.of("2"));

    // A drain on the container's pool is in the middle of a write when the container reports the client gone.
    Thread drain = new Thread(async::runStarted, "drain");
    drain.start();
    assertThat(inWrite.await(10, TimeUnit.SECONDS)).isTrue();
    Thread container = new Thread(() -> {
      try {
        async.fireError(new IOException("Connection reset by peer"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out.recycled = true; // Tomcat recycles the response once the callbacks return
    }, "container");
    container.start();
    Probes.await(Duration.ofSeconds(10), () -> container.getState() == Thread.State.TIMED_WAITING,
        () -> "the container thread should wait for the drain, but is " + container.getState());
    assertThat(out.recycled).isFalse();

    gate.countDown();
    drain.join(10_000);
    container.join(10_000);
    assertThat(out.recycled).isTrue();
    channel.sender().trySend(Data.of("after the end"));
    async.runStarted();
    out.listener.onWritePossible();

    assertThat(out.touchesAfterRecycle.get()).as("uses of the response after onError returned").isZero();
    assertThat(out.written()).isEqualTo("data: 1\n\ndata: 2\n\n");
    assertThat(channel.closeReason()).isEqualTo(CloseReason.CLIENT_GONE);
    assertThat(async.completions.get()).isEqualTo(1);
  }

  // ---- fakes ----

  private void serve(Duration grace) throws IOException {
    HttpServletResponse response = proxy(HttpServletResponse.class, (name, args) ->
        name.equals("getOutputStream") ? out : null);
    HttpServletRequest request = proxy(HttpServletRequest.class, (name, args) ->
        name.equals("startAsync") ? async.context : null);
    ServletStream.serve(request, response, channel, grace);
    assertThat(out.listener).isNotNull();
  }

  @FunctionalInterface
  private interface Answer {
    @Nullable Object answer(String method, Object @Nullable [] args);
  }

  private static <T> T proxy(Class<T> type, Answer answer) {
    return type.cast(Proxy.newProxyInstance(ServletStreamTest.class.getClassLoader(), new Class<?>[] {type},
        (proxy, method, args) -> {
          if (method.getDeclaringClass() == Object.class) {
            return method.getName().equals("toString") ? type.getSimpleName() : null;
          }
          return answer.answer(method.getName(), args);
        }));
  }

  /** An AsyncContext that records what the stream does with it; start() tasks run when the test says so. */
  private static final class FakeAsync {
    final List<Runnable> started = new ArrayList<>();
    final List<AsyncListener> listeners = new ArrayList<>();
    final AtomicInteger completions = new AtomicInteger();
    long timeout = -1;
    final AsyncContext context = proxy(AsyncContext.class, (name, args) -> {
      switch (name) {
        case "setTimeout" -> timeout = (Long) args[0];
        case "addListener" -> listeners.add((AsyncListener) args[0]);
        case "start" -> {
          synchronized (started) {
            started.add((Runnable) args[0]);
          }
        }
        case "complete" -> completions.incrementAndGet();
        case "getRequest", "getResponse" -> {
          return null; // AsyncEvent asks; the stream never needs them
        }
        default -> throw new UnsupportedOperationException(name);
      }
      return null;
    });

    void runStarted() {
      List<Runnable> tasks;
      synchronized (started) {
        tasks = new ArrayList<>(started);
        started.clear();
      }
      tasks.forEach(Runnable::run);
    }

    void fireError(Throwable failure) throws IOException {
      for (AsyncListener listener : listeners) {
        listener.onError(new AsyncEvent(context, failure));
      }
    }

    void fireComplete() throws IOException {
      for (AsyncListener listener : listeners) {
        listener.onComplete(new AsyncEvent(context));
      }
    }
  }

  /** An output stream that is ready for a given number of writes, then not, as a full socket is. */
  private static final class FakeOutput extends ServletOutputStream {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    volatile int readyForWrites = Integer.MAX_VALUE;
    volatile @Nullable IOException failure;
    WriteListener listener;
    int flushes;
    /** Set by a test once the container would have recycled the response; any use after it is counted. */
    volatile boolean recycled;
    final AtomicInteger touchesAfterRecycle = new AtomicInteger();
    private volatile @Nullable CountDownLatch inWrite;
    private volatile @Nullable CountDownLatch gate;

    /** Makes the next write signal {@code inWrite} and then wait for {@code gate}. */
    void blockNextWrite(CountDownLatch inWrite, CountDownLatch gate) {
      this.inWrite = inWrite;
      this.gate = gate;
    }

    private void touched() {
      if (recycled) {
        touchesAfterRecycle.incrementAndGet();
      }
    }

    String written() {
      return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public boolean isReady() {
      touched();
      return readyForWrites > 0;
    }

    @Override
    public void setWriteListener(WriteListener writeListener) {
      listener = writeListener;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      touched();
      CountDownLatch entered = inWrite;
      CountDownLatch wait = gate;
      if (entered != null && wait != null) {
        inWrite = null;
        gate = null;
        entered.countDown();
        try {
          if (!wait.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the test never opened the gate");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      }
      if (readyForWrites <= 0) {
        throw new IllegalStateException("write while not ready");
      }
      IOException f = failure;
      if (f != null) {
        throw f;
      }
      readyForWrites--;
      bytes.write(b, off, len);
    }

    @Override
    public void flush() {
      touched();
      if (readyForWrites <= 0) {
        throw new IllegalStateException("flush while not ready");
      }
      flushes++;
    }
  }
}
