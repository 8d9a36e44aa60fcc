package dev.herald.sse.bench.server;

/** Where a burst's events go: Herald's broadcaster or the raw floor. */
interface Fanout {

  /** Sends one event to every client without waiting for any. */
  void send(String data);

  /** Sends one event to every client and returns once every client has taken it into its queue. */
  void sendPaced(String data) throws InterruptedException;

  /** How many clients are subscribed now. */
  int clients();
}
