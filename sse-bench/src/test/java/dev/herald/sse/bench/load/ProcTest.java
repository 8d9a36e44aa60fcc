package dev.herald.sse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The load tool's reading of a server's CPU by kind of thread. */
class ProcTest {

  @Test
  void addsUpAPoolsThreadsAndNamesWhatEndedThreadsSpent() {
    Map<String, Proc.ThreadCpu> before = Map.of(
        "10", new Proc.ThreadCpu("loop-1", 1.0),
        "11", new Proc.ThreadCpu("loop-2", 2.0),
        "12", new Proc.ThreadCpu("reader", 0.5),
        "13", new Proc.ThreadCpu("burst", 0.0));
    Map<String, Proc.ThreadCpu> after = Map.of(
        "10", new Proc.ThreadCpu("loop-1", 2.5),
        "11", new Proc.ThreadCpu("loop-2", 3.0),
        "12", new Proc.ThreadCpu("reader", 0.75),
        "14", new Proc.ThreadCpu("C2 CompilerThread0", 0.5));

    // 2.5 s in the pool, 0.25 in the reader, 0.5 in a thread born in between: the rest of 4.25 ended with its thread.
    assertThat(Proc.cpuByThreadKind(before, after, 4.25))
        .isEqualTo("loop 2.50 s; threads that ended 1.00 s; C CompilerThread 0.50 s; reader 0.25 s");
  }

  @Test
  void saysNothingWhenItCouldNotLook() {
    assertThat(Proc.cpuByThreadKind(Map.of(), Map.of(), 1.0)).isEmpty();
  }

  @Test
  void readsTheLiveThreadsOfAProcessByName() throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    Thread thread = new Thread(() -> {
      started.countDown();
      try {
        done.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "proc-test-7");
    thread.start();
    try {
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      Map<String, Proc.ThreadCpu> threads = Proc.threads(ProcessHandle.current().pid());
      assertThat(threads.values()).extracting(Proc.ThreadCpu::name).contains("proc-test-7");
      assertThat(threads.values()).allSatisfy(each -> assertThat(each.seconds()).isNotNegative());
    } finally {
      done.countDown();
      thread.join();
    }
  }
}
