/** Test support shared with other modules: a real {@code redis-server} to run against. */
package dev.herald.sse.redis.testing;
