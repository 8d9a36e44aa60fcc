package dev.herald.sse.netty;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Whether a response is being written on one connection, from its head to its last part, as the handlers that
 * must not act in the middle of one (a stream) see it in their {@code write}. Used on the connection's event loop.
 */
final class ResponseProgress {
  private boolean responding;

  /**
   * Notes an outbound message.
   *
   * @param msg the message being written
   * @return {@code true} if it is the last part of a response ({@code FullHttpResponse} included)
   */
  boolean wrote(Object msg) {
    if (msg instanceof HttpResponse) {
      responding = true;
    }
    if (msg instanceof LastHttpContent) {
      responding = false;
      return true;
    }
    return false;
  }

  /** Whether a response's head was written and its last part was not. */
  boolean responding() {
    return responding;
  }
}
