package dev.herald.sse.examples;

import static java.util.Objects.requireNonNull;

import dev.herald.sse.InvalidTopicException;
import dev.herald.sse.Topics;
import dev.herald.sse.core.Access;
import dev.herald.sse.core.Authorizer;
import dev.herald.sse.core.Handshake;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The example's sign-in: a cookie that names a user and carries an HMAC-SHA256 of the name under a key made at
 * random when the process starts, so that nobody can forge one (and every cookie ends with the process), and the
 * {@link Authorizer} that keeps each private topic {@code users/{name}} to its user.
 *
 * <p>A stream that asks for a topic under {@code users/} (or a pattern that could match one, such as {@code *} or
 * {@code **}) other than its own user's gets {@code 401} without a valid cookie and {@code 403} with another user's,
 * before any byte of the stream. Every other topic is anyone's.
 *
 * <p><b>Threading.</b> Immutable after construction; safe on any number of threads (each signature makes its own
 * {@link Mac}, which is not thread-safe).
 */
final class UserCookies {
  /** The cookie's name. */
  static final String COOKIE = "herald_user";
  /** The first segment of the private topics. */
  static final String PRIVATE = "users";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");
  private static final String ALGORITHM = "HmacSHA256";
  private static final List<String> ANY_TOPIC = List.of(Topics.REST);

  private final SecretKeySpec key;
  private final boolean secure;

  /**
   * Makes the sign-in with a new random key.
   *
   * @param secure whether the server is reached over HTTPS, so the cookie is marked {@code Secure}
   */
  UserCookies(boolean secure) {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    this.key = new SecretKeySpec(bytes, ALGORITHM);
    this.secure = secure;
  }

  /**
   * Checks a user name: 1 to 32 letters, digits, {@code _} or {@code -}, so that it is one topic segment and a
   * cookie value as it is.
   *
   * @param name the name
   * @return the reason it is refused, or {@code null} if it is a name
   */
  static @Nullable String refusal(@Nullable String name) {
    return name != null && NAME.matcher(name).matches() ? null
        : "a user name is 1 to 32 letters, digits, '_' or '-'";
  }

  /**
   * Returns the {@code Set-Cookie} value that signs a user in: the name and its signature, for every path,
   * {@code HttpOnly} (no script reads it), {@code SameSite=Strict} (no other site's page sends it).
   *
   * @param user a name that {@link #refusal} accepts
   * @return the header's value
   */
  String setCookie(String user) {
    if (refusal(user) != null) {
      throw new IllegalArgumentException("not a user name: " + user);
    }
    return COOKIE + "=" + user + "." + signature(user) + "; Path=/; HttpOnly; SameSite=Strict"
        + (secure ? "; Secure" : "");
  }

  /**
   * Returns the user a cookie's value names, if its signature is right.
   *
   * @param cookie the cookie's value, or {@code null}
   * @return the user, or {@code null} if there is no cookie or it is not one this process signed
   */
  @Nullable String user(@Nullable String cookie) {
    if (cookie == null) {
      return null;
    }
    int dot = cookie.lastIndexOf('.');
    if (dot < 0) {
      return null;
    }
    String user = cookie.substring(0, dot);
    if (refusal(user) != null) {
      return null;
    }
    byte[] expected = signature(user).getBytes(StandardCharsets.US_ASCII);
    byte[] given = cookie.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
    // In constant time: how much of a guessed signature is right must not show in how long the check takes.
    return MessageDigest.isEqual(expected, given) ? user : null;
  }

  /**
   * Returns the decision of the example's streams: anyone may have any topic but another user's.
   *
   * @return the authorizer
   */
  Authorizer authorizer() {
    return request -> {
      String user = user(request.cookie(COOKIE));
      for (String topic : request.queryParameters(Handshake.TOPIC_PARAMETER)) {
        if (isPrivate(topic) && !topic.equals(PRIVATE + "/" + user)) {
          return user == null
              ? Access.unauthorized("sign in first: " + topic + " is private (GET /login?user=NAME)")
              : Access.forbidden(topic + " is not " + user + "'s topic");
        }
      }
      return Access.grant(user, ANY_TOPIC);
    };
  }

  /**
   * Whether a well-formed topic or pattern could match a user's topic. A malformed one is left to the handshake,
   * which answers it with {@code 400} and the reason.
   */
  private static boolean isPrivate(String topic) {
    try {
      Topics.checkPattern(topic);
    } catch (InvalidTopicException e) {
      return false;
    }
    int slash = topic.indexOf('/');
    String first = slash < 0 ? topic : topic.substring(0, slash);
    return first.equals(PRIVATE) || first.equals(Topics.ONE) || first.equals(Topics.REST);
  }

  private String signature(String user) {
    requireNonNull(user, "user");
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(user.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is in every Java runtime", e);
    }
  }
}
