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
}
