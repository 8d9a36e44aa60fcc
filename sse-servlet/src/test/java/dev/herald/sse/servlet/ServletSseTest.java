package dev.herald.sse.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.core.BroadcasterConfig;
import dev.herald.sse.core.Broadcasters;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Proxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServletSseTest {

  @Test
  void missingOrEmptyAcceptHeaderAcceptsTheStream() {
    assertThat(ServletSse.acceptsEventStream(null)).isTrue();
    assertThat(ServletSse.acceptsEventStream("")).isTrue();
  }

  @Test
  void eventStreamTextWildcardAndAnyAreAccepted() {
    assertThat(ServletSse.acceptsEventStream("text/event-stream")).isTrue();
    assertThat(ServletSse.acceptsEventStream("Text/Event-Stream; charset=utf-8")).isTrue();
    assertThat(ServletSse.acceptsEventStream("application/json, text/*;q=0.1")).isTrue();
    assertThat(ServletSse.acceptsEventStream("*/*")).isTrue();
    assertThat(ServletSse.acceptsEventStream("text/html,application/xhtml+xml,*/*;q=0.8")).isTrue();
  }

  @Test
  void otherTypesOrZeroQualityRefuseTheStream() {
    assertThat(ServletSse.acceptsEventStream("application/json")).isFalse();
    assertThat(ServletSse.acceptsEventStream("text/html, application/xml")).isFalse();
    assertThat(ServletSse.acceptsEventStream("text/event-stream;q=0")).isFalse();
    assertThat(ServletSse.acceptsEventStream("*/*;q=0.0")).isFalse();
  }

  @Test
  void mostSpecificRangeDecides() {
    assertThat(ServletSse.acceptsEventStream("text/*;q=0, text/event-stream")).isTrue();
    assertThat(ServletSse.acceptsEventStream("text/event-stream;q=0, */*")).isFalse();
  }

  @Test
  void requestWithoutAsyncSupportFailsWithAClearMessage() {
    HttpServletRequest request = (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
          if (method.getName().equals("isAsyncSupported")) {
            return false;
          }
          throw new UnsupportedOperationException(method.getName());
        });
    HttpServletResponse response = (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> {
          throw new UnsupportedOperationException(method.getName());
        });
    try (Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO).build())) {
      assertThatThrownBy(() -> ServletSse.serve(request, response, broadcaster))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("asyncSupported=true");
      assertThat(broadcaster.stats().clientsConnected()).isZero();
    }
  }

  @Test
  void negativeCloseGraceIsRefused() {
    try (Broadcaster broadcaster = Broadcasters.create(BroadcasterConfig.builder().heartbeat(Duration.ZERO).build())) {
      assertThatThrownBy(() -> new SseServlet(broadcaster, Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("closeGrace");
    }
  }
}
