package dev.herald.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import org.junit.jupiter.api.Test;

class CommentTest {

  @Test
  void ofMakesTheSameValueAsTheConstructor() {
    assertThat(Comment.of("ping")).isEqualTo(new Comment("ping"));
    assertThat(Comment.of("ping").text()).isEqualTo("ping");
  }

  @Test
  void anyTextIsAllowed() {
    for (String text : new String[] {"", "a\nb", "a\rb\r\n", "\0", ":", " lead", "\uD83D"}) {
      assertThat(Comment.of(text).text()).isEqualTo(text);
    }
  }

  @Test
  void nullTextIsRejectedNamingIt() {
    assertThatNullPointerException().isThrownBy(() -> Comment.of(null)).withMessage("text");
    assertThatNullPointerException().isThrownBy(() -> new Comment(null)).withMessage("text");
  }
}
