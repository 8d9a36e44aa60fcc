package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.sse.core.Access;
import dev.herald.sse.core.SseRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UserCookiesTest {
  private final UserCookies users = new UserCookies(false);

  private static String value(String setCookie) {
    return setCookie.substring(UserCookies.COOKIE.length() + 1, setCookie.indexOf(';'));
  }

  private Access decide(String cookie, String... topics) {
    Map<String, List<String>> headers = cookie == null ? Map.of() : Map.of("Cookie", List.of(cookie));
    return users.authorizer().decide(SseRequest.of("GET", headers, Map.of("topic", List.of(topics))));
  }

  @Test
  void aSignedCookieNamesItsUserAndIsHttpOnlyAndSameSite() {
    String setCookie = users.setCookie("bob");

    assertThat(setCookie).startsWith("herald_user=bob.").endsWith("; Path=/; HttpOnly; SameSite=Strict");
    assertThat(users.user(value(setCookie))).isEqualTo("bob");
    assertThat(new UserCookies(true).setCookie("bob")).endsWith("; Secure");
  }

  @Test
  void aForgedOrForeignCookieNamesNobody() {
    String bob = value(users.setCookie("bob"));
    String signature = bob.substring(bob.indexOf('.') + 1);

    assertThat(users.user("alice." + signature)).isNull(); // bob's signature on another name
    assertThat(users.user("bob." + signature.substring(1))).isNull();
    assertThat(users.user("bob")).isNull();
    assertThat(users.user(null)).isNull();
    assertThat(new UserCookies(false).user(bob)).as("another process's key").isNull();
  }

  @Test
  void userNamesAreOneSafeSegment() {
    assertThat(UserCookies.refusal("bob_2-x")).isNull();
    assertThat(UserCookies.refusal("a/b")).isNotNull();
    assertThat(UserCookies.refusal("")).isNotNull();
    assertThat(UserCookies.refusal("x".repeat(33))).isNotNull();
    assertThat(UserCookies.refusal("bob;")).isNotNull();
  }

  @Test
  void privateTopicsAreTheirUsersAlone() {
    String bob = UserCookies.COOKIE + "=" + value(users.setCookie("bob"));
    String alice = "a=b; " + UserCookies.COOKIE + "=" + value(users.setCookie("alice"));

    assertThat(decide(null, "rooms/7", "rooms/*/typing")).isEqualTo(Access.grant(null, List.of("**")));
    assertThat(decide(null, "users/bob")).isInstanceOfSatisfying(Access.Refused.class,
        refused -> assertThat(refused.status()).isEqualTo(401));
    assertThat(decide(alice, "rooms/1", "users/bob")).isInstanceOfSatisfying(Access.Refused.class,
        refused -> assertThat(refused.status()).isEqualTo(403));
    for (String pattern : List.of("users/*", "*/bob", "**", "users")) {
      assertThat(decide(bob, pattern)).as(pattern).isInstanceOfSatisfying(Access.Refused.class,
          refused -> assertThat(refused.status()).isEqualTo(403));
    }
    assertThat(decide(bob, "users/bob", "rooms/1")).isEqualTo(Access.grant("bob", List.of("**")));
    assertThat(decide(bob)).isEqualTo(Access.grant("bob", List.of("**")));
    assertThat(decide(null, "users//bob")).as("malformed: the handshake answers 400")
        .isInstanceOf(Access.Granted.class);
  }
}
