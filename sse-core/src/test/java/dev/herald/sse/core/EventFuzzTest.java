package dev.herald.sse.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Comment;
import dev.herald.sse.Data;
import dev.herald.sse.Event;
import dev.herald.sse.testkit.parser.EventStreamParser;
import dev.herald.sse.testkit.parser.EventStreamParser.MessageEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes event validation and the encoder with hostile input: every control character, lone and paired
 * surrogates, BOMs, very long fields and extreme {@code retry} durations.
 *
 * <p>No input may crash: each candidate is either accepted, and then reads back through the spec parser as exactly
 * what was meant, or rejected with an {@link IllegalArgumentException} that names the field, exactly when an
 * independent oracle says it must be. (This is a seeded random test with many iterations rather than a jqwik
 * property: jqwik 1.10 is built on JUnit Platform 1 and does not run on the JUnit 6 platform used here.) A failure
 * prints its seed and iteration so it can be replayed.
 */
class EventFuzzTest {
  private static final long SEED = 0x5EEDF022L;
  private static final int ITERATIONS = 20_000;

  /** Characters chosen to hurt: line breaks, NUL, other controls, BOM, separators, surrogates, and plain text. */
  private static final char[] NASTY = {
    '\n', '\r', '\0', '\t', '\u000B', '\u000C', '\u001B', '\u007F', '\u0085', '\u2028', '\u2029', '\uFEFF',
    '\uFFFD', '\uFFFF', '\uD83D', '\uDE00', '\uDBFF', '\uDC00', ':', ' ', 'a', 'Z', '9', 'é', '中', '"', '\\'
  };

  @Test
  void anyDataEitherRoundTripsOrIsRejectedByName() {
    SplittableRandom seeds = new SplittableRandom(SEED);
    int accepted = 0;
    int rejected = 0;
    for (int i = 0; i < ITERATIONS; i++) {
      long seed = seeds.nextLong();
      SplittableRandom random = new SplittableRandom(seed);
      String data = text(random);
      String name = random.nextInt(3) == 0 ? null : text(random);
      String id = random.nextInt(3) == 0 ? null : text(random);
      Duration retry = random.nextInt(3) == 0 ? null : duration(random);
      String where = "seed " + seed + " (iteration " + i + ")";

      String expectedFailure = oracle(name, id, retry);
      Data event;
      try {
        event = new Data(data, name, id, retry);
      } catch (IllegalArgumentException e) {
        assertThat(expectedFailure).as("%s: rejected a valid event: %s", where, e.getMessage()).isNotNull();
        assertThat(e.getMessage()).as(where).startsWith(expectedFailure);
        rejected++;
        continue;
      } catch (RuntimeException e) {
        throw new AssertionError(where + ": crashed instead of accepting or rejecting", e);
      }
      assertThat(expectedFailure).as("%s: accepted an invalid event", where).isNull();
      accepted++;

      EventStreamParser parser = parse(event);
      String expectedId = id == null ? "" : wellFormed(id);
      String expectedType = name == null || name.isEmpty() ? "message" : wellFormed(name);
      assertThat(parser.events()).as(where)
          .containsExactly(new MessageEvent(expectedType, wellFormed(lineBreaksAsLf(data)), expectedId));
      if (retry != null) {
        assertThat(parser.retry()).as(where).hasValue(retry.toMillis());
      }
    }
    assertThat(accepted).as("the fuzz must exercise both outcomes").isGreaterThan(ITERATIONS / 10);
    assertThat(rejected).isGreaterThan(ITERATIONS / 10);
  }

  @Test
  void anyCommentIsAcceptedAndReadsBackLineByLine() {
    SplittableRandom seeds = new SplittableRandom(SEED + 1);
    for (int i = 0; i < ITERATIONS; i++) {
      long seed = seeds.nextLong();
      String text = text(new SplittableRandom(seed));
      EventStreamParser parser = parse(Comment.of(text));
      assertThat(parser.events()).as("seed %d", seed).isEmpty();
      assertThat(String.join("\n", parser.comments())).as("seed %d", seed)
          .isEqualTo(wellFormed(lineBreaksAsLf(text)));
    }
  }

  @Test
  void nullFieldsFailWithTheirNameAndNothingElseCrashes() {
    assertThatThrownBy(() -> new Data(null, null, null, null)).isInstanceOf(NullPointerException.class)
        .hasMessage("data");
    assertThatThrownBy(() -> Comment.of(null)).isInstanceOf(NullPointerException.class).hasMessage("text");
    assertThatThrownBy(() -> EventEncoder.encode(null)).isInstanceOf(NullPointerException.class);
    Duration[] extremes = {
      Duration.ofSeconds(Long.MAX_VALUE, 999_999_999), Duration.ofSeconds(Long.MIN_VALUE), Duration.ofNanos(1),
      Duration.ofMillis(Long.MAX_VALUE), Duration.ofSeconds(Long.MAX_VALUE / 1000), Duration.ZERO
    };
    for (Duration retry : extremes) {
      String expected = oracle(null, null, retry);
      if (expected == null) {
        assertThat(parse(Data.of("x").withRetry(retry)).retry()).hasValue(retry.toMillis());
      } else {
        assertThatThrownBy(() -> Data.of("x").withRetry(retry)).as("%s", retry)
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(expected);
      }
    }
  }

  @Test
  void eventsOverTheSizeLimitAreRejectedByTheBroadcasterAndTheRestGetThrough() {
    SplittableRandom random = new SplittableRandom(SEED + 2);
    int limit = 256;
    try (Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder()
        .heartbeat(Duration.ZERO)
        .channel(ChannelConfig.builder().maxEventBytes(limit).maxQueuedEvents(4096).maxQueuedBytes(1 << 20).build())
        .build())) {
      var channel = broadcaster.subscribe(null);
      List<Event> sent = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        Data event = Data.of("x".repeat(random.nextInt(400)));
        int size = EventEncoder.encodeToBytes(event).length;
        if (size > limit) {
          assertThatThrownBy(() -> broadcaster.broadcast(event)).isInstanceOf(IllegalArgumentException.class)
              .hasMessageContaining("maxEventBytes");
        } else {
          broadcaster.broadcast(event);
          sent.add(event);
        }
      }
      EventStreamParser parser = new EventStreamParser();
      var frame = channel.poll();
      while (frame != null) {
        parser.feed(frame.buffer());
        frame = channel.poll();
      }
      assertThat(parser.events()).hasSize(sent.size());
      assertThat(broadcaster.stats().eventsBroadcast()).isEqualTo(sent.size());
    }
  }

  // ---- the oracle: what the spec and the Data contract say, written independently of Data ----

  /** The message prefix a rejection must start with, or {@code null} if the event is valid. */
  private static @Nullable String oracle(@Nullable String name, @Nullable String id, @Nullable Duration retry) {
    if (name != null && (name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0)) {
      return "name must not contain CR or LF";
    }
    if (id != null && (id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0)) {
      return "id must not contain CR or LF";
    }
    if (id != null && id.indexOf('\0') >= 0) {
      return "id must not contain NUL";
    }
    if (retry != null) {
      if (retry.isNegative()) {
        return "retry must not be negative";
      }
      if (retry.getNano() % 1_000_000 != 0) {
        return "retry must be a whole number of milliseconds";
      }
      try {
        Math.addExact(Math.multiplyExact(retry.getSeconds(), 1000L), retry.getNano() / 1_000_000);
      } catch (ArithmeticException e) {
        return "retry is too long";
      }
    }
    return null;
  }

  private static EventStreamParser parse(Event event) {
    return new EventStreamParser().feed(EventEncoder.encodeToBytes(event));
  }

  private static String lineBreaksAsLf(String text) {
    return text.replace("\r\n", "\n").replace('\r', '\n');
  }

  /** The text as UTF-8 can carry it: each lone surrogate becomes U+FFFD, as the encoder and any decoder agree. */
  private static String wellFormed(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        out.append(c).append(text.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        out.append('\uFFFD');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  // ---- generators ----

  private static String text(SplittableRandom random) {
    int shape = random.nextInt(100);
    if (shape < 10) {
      return "";
    }
    int length = shape == 10 ? random.nextInt(4_096, 70_000) : random.nextInt(1, 24);
    StringBuilder text = new StringBuilder(length);
    // Mostly clean text with a nasty character now and then, or nasty throughout, or any UTF-16 unit at all.
    int nastiness = random.nextInt(3);
    for (int i = 0; i < length; i++) {
      if (nastiness == 2) {
        text.append((char) random.nextInt(0x10000));
      } else if (nastiness == 1 || random.nextInt(length > 100 ? 500 : 8) == 0) {
        text.append(NASTY[random.nextInt(NASTY.length)]);
      } else {
        text.append((char) random.nextInt(0x20, 0x7F));
      }
    }
    return text.toString();
  }

  private static Duration duration(SplittableRandom random) {
    return switch (random.nextInt(6)) {
      case 0 -> Duration.ofMillis(random.nextLong(0, 1_000_000));
      case 1 -> Duration.ofNanos(random.nextLong());
      case 2 -> Duration.ofSeconds(random.nextLong(), random.nextInt(1_000_000_000));
      case 3 -> Duration.ofMillis(random.nextLong());
      case 4 -> Duration.ofSeconds(Long.MAX_VALUE / 1000 + random.nextInt(-2, 3), random.nextInt(2) * 999_000_000);
      default -> Duration.ZERO;
    };
  }
}
