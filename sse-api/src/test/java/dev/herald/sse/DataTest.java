package dev.herald.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DataTest {

  @Test
  void ofHasOnlyData() {
    assertThat(Data.of("x")).isEqualTo(new Data("x", null, null, null));
  }

  @Test
  void anyDataIsAllowed() {
    String data = "\r\n\r\n\0 : \uD83D";

    assertThat(Data.of(data).data()).isEqualTo(data);
    assertThat(Data.of("").data()).isEmpty();
  }

  @Test
  void nullDataIsRejectedNamingIt() {
    assertThatNullPointerException().isThrownBy(() -> Data.of(null)).withMessage("data");
    assertThatNullPointerException().isThrownBy(() -> new Data(null, "n", "1", null)).withMessage("data");
  }

  @Test
  void nameWithLineBreakIsRejected() {
    for (String name : new String[] {"a\nb", "a\rb", "\r\n", "a\n"}) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Data.of("x").withName(name))
          .withMessageStartingWith("name must not contain CR or LF");
    }
  }

  @Test
  void idWithLineBreakIsRejected() {
    for (String id : new String[] {"1\n2", "1\r2", "\r\n", "\n"}) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Data.of("x").withId(id))
          .withMessageStartingWith("id must not contain CR or LF");
    }
  }

  @Test
  void idWithNulIsRejected() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Data.of("x").withId("1\u00002"))
        .withMessage("id must not contain NUL: \"1\\02\"");
  }

  @Test
  void rejectedValueIsQuotedEscapedAndShortened() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Data.of("x").withName("say \"hi\"\r\n"))
        .withMessage("name must not contain CR or LF: \"say \\\"hi\\\"\\r\\n\"");
    String longName = "n".repeat(64) + "\n";
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Data.of("x").withName(longName))
        .withMessage("name must not contain CR or LF: \"" + "n".repeat(64) + "...\"");
  }

  @Test
  void emptyIdAndNameAreAllowed() {
    Data data = Data.of("x").withId("").withName("");

    assertThat(data.id()).isEmpty();
    assertThat(data.name()).isEmpty();
  }

  @Test
  void otherCharactersInNameAndIdAreAllowed() {
    Data data = Data.of("x").withName(" a:b\0\t\uD83D\uDE00").withId(" 1:2\t\u2028");

    assertThat(data.name()).isEqualTo(" a:b\0\t\uD83D\uDE00");
    assertThat(data.id()).isEqualTo(" 1:2\t\u2028");
  }

  @Test
  void negativeRetryIsRejected() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Data.of("x").withRetry(Duration.ofMillis(-1)))
        .withMessageStartingWith("retry must not be negative");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Data.of("x").withRetry(Duration.ofNanos(-1)))
        .withMessageStartingWith("retry must not be negative");
  }

  @Test
  void subMillisecondRetryIsRejected() {
    Duration[] retries = {Duration.ofNanos(1), Duration.ofNanos(999_999), Duration.ofNanos(1_500_000)};
    for (Duration retry : retries) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Data.of("x").withRetry(retry))
          .withMessageStartingWith("retry must be a whole number of milliseconds");
    }
  }

  @Test
  void retryTooLongForMillisecondsIsRejected() {
    Duration justTooLong = Duration.ofMillis(Long.MAX_VALUE).plusMillis(1);
    for (Duration retry : new Duration[] {justTooLong, Duration.ofSeconds(Long.MAX_VALUE)}) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Data.of("x").withRetry(retry))
          .withMessageStartingWith("retry is too long to send in milliseconds")
          .withCauseInstanceOf(ArithmeticException.class);
    }
  }

  @Test
  void zeroAndLongestRetryAreAllowed() {
    assertThat(Data.of("x").withRetry(Duration.ZERO).retry()).isZero();
    assertThat(Data.of("x").withRetry(Duration.ofMillis(Long.MAX_VALUE)).retry())
        .isEqualTo(Duration.ofMillis(Long.MAX_VALUE));
  }

  @Test
  void withMethodsReturnNewValuesAndKeepOtherFields() {
    Duration fiveSeconds = Duration.ofSeconds(5);
    Data original = new Data("x", "n", "1", fiveSeconds);

    assertThat(original.withName("m")).isEqualTo(new Data("x", "m", "1", fiveSeconds));
    assertThat(original.withId("2")).isEqualTo(new Data("x", "n", "2", fiveSeconds));
    assertThat(original.withRetry(Duration.ZERO)).isEqualTo(new Data("x", "n", "1", Duration.ZERO));
    assertThat(original).isEqualTo(new Data("x", "n", "1", fiveSeconds));
  }

  @Test
  void withNullClearsTheField() {
    Data original = new Data("x", "n", "1", Duration.ofSeconds(5));

    assertThat(original.withName(null).withId(null).withRetry(null)).isEqualTo(Data.of("x"));
  }
}
