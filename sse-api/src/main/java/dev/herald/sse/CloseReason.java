package dev.herald.sse;

/**
 * Why a client's stream ended.
 */
public enum CloseReason {
  /** The client closed the connection, or the transport found it gone. */
  CLIENT_GONE,
  /** The server ended the stream: {@link Sender#close()}, {@link Broadcaster#close()} or a transport stop. */
  SERVER_CLOSED,
  /** The client read too slowly: its queue stayed full and its overflow policy disconnected it. */
  SLOW_CONSUMER,
  /** Writing to the client failed for a reason other than the client going away. */
  ERROR
}
