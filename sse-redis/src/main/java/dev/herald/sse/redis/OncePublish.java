package dev.herald.sse.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.Map;

/**
 * The append of an event under an idempotency key: one Lua script, so that the check and the {@code XADD} are one
 * atomic step in Redis and two nodes given the same key at once append one entry.
 *
 * <p>The key {@code <stream>:once:<idempotency key>} holds the id of the entry appended under it, for the window
 * ({@code SET ... EX}); a repeat within it appends nothing and answers that id. With an append-only file, Redis
 * persists the key with the entry, so a retry after a Redis restart is recognised too.
 */
final class OncePublish {
  /**
   * KEYS: the idempotency key's Redis key, the stream. ARGV: the window in seconds, the trim length, then the
   * entry's fields and values.
   */
  private static final String SCRIPT = """
      local first = redis.call('GET', KEYS[1])
      if first then
        return first
      end
      local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
      redis.call('SET', KEYS[1], id, 'EX', ARGV[1])
      return id
      """;

  private OncePublish() {}

  /**
   * Returns the Redis key that remembers an idempotency key of a stream.
   *
   * @param stream the stream's key
   * @param idempotencyKey the producer's key
   * @return {@code <stream>:once:<idempotencyKey>}
   */
  static String key(String stream, String idempotencyKey) {
    return stream + ":once:" + idempotencyKey;
  }

  /**
   * Appends an entry unless one was appended under the key within the window.
   *
   * @return Redis's answer: the id of the new entry or of the first one
   */
  static RedisFuture<String> append(RedisAsyncCommands<String, String> redis, String stream, long trim,
      Duration window, String idempotencyKey, Map<String, String> fields) {
    String[] args = new String[2 + 2 * fields.size()];
    args[0] = Long.toString(Math.max(1, window.toSeconds()));
    args[1] = Long.toString(trim);
    int i = 2;
    for (Map.Entry<String, String> field : fields.entrySet()) {
      args[i++] = field.getKey();
      args[i++] = field.getValue();
    }
    return redis.eval(SCRIPT, ScriptOutputType.VALUE, new String[] {key(stream, idempotencyKey), stream}, args);
  }
}
