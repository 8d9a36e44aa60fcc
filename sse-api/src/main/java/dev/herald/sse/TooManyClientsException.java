package dev.herald.sse;

/**
 * Thrown when a client subscribes to a {@link Broadcaster} that already has its configured maximum of clients.
 * Transports answer such a request with {@code 503 Service Unavailable} and a {@code Retry-After} header.
 */
public final class TooManyClientsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Makes an exception for a broadcaster at this limit.
   *
   * @param limit the configured maximum of clients
   */
  public TooManyClientsException(int limit) {
    super("too many clients: the limit is " + limit);
  }
}
