package dev.herald.sse.netty;

import dev.herald.sse.testkit.SseHost;
import dev.herald.sse.testkit.TopicScenarios;

/** The topic scenarios on Netty (NIO), with every leaked buffer failing the test (see {@link NettyHost}). */
class NettyTopicsIT extends TopicScenarios {

  @Override
  protected SseHost host() {
    return new NettyHost();
  }
}
