/**
 * Herald's Micrometer metrics: a {@code MeterBinder} for a broadcaster's counters and its delivery delay.
 */
module dev.herald.sse.micrometer {
  requires transitive dev.herald.sse.core;
  // Provided by the application, which has Micrometer already; its types are on this module's API (MeterBinder).
  requires static transitive micrometer.core;
  requires static transitive org.jspecify;

  exports dev.herald.sse.micrometer;
}
