/**
 * Herald's Redis backplane: several servers share one Redis stream.
 */
module dev.herald.sse.redis {
  requires transitive dev.herald.sse.core;
  // Used inside only: the API takes a Redis URI as a string and shows no Lettuce type.
  requires lettuce.core;
  requires static transitive org.jspecify;
  requires org.slf4j;

  exports dev.herald.sse.redis;
}
