package dev.herald.sse.it.starter;

import dev.herald.sse.Broadcaster;
import dev.herald.sse.Data;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** The README's controller: sends to the auto-configured broadcaster. */
@RestController
class SendController {
  private final Broadcaster events;

  SendController(Broadcaster events) {
    this.events = events;
  }

  @PostMapping("/send/{message}")
  String send(@PathVariable String message) {
    return "sent to " + events.broadcast(Data.of(message)) + " clients\n";
  }
}
