package dev.herald.sse.testkit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A suite the test kit runs on every transport: a transport's test class extends one of its suites
 * ({@link TransportConformance}, {@link TopicScenarios}) and names its {@link SseHost}; each test starts what it
 * needs on that host, and everything it started is closed after it.
 *
 * <p><b>Threading.</b> A test and its cleanup run on JUnit's thread; a suite instance serves one test at a time.
 */
public abstract class HostedSuite {
  private Served served;

  /** For the test kit's suites only. */
  HostedSuite() {}

  /**
   * Returns the transport under test, in its host.
   *
   * @return the host, asked to start a server for each test
   */
  protected abstract SseHost host();

  @BeforeEach
  final void startHost() {
    served = new Served(host());
  }

  @AfterEach
  final void cleanUp() throws Exception {
    served.close();
  }

  /** What the running test started, closed after it. */
  final Served served() {
    return served;
  }
}
