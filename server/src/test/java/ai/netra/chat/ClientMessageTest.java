package ai.netra.chat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The ping shortcut reads exactly what the full parse reads. */
class ClientMessageTest {

  @Test
  void aPingIsAPingWithOrWithoutTheShortcut() {
    assertThat(ClientMessage.parse(ClientMessage.PING_FRAME)).isInstanceOf(ClientMessage.Ping.class);
    assertThat(ClientMessage.parse("{ \"type\": \"ping\", \"payload\": {} }")).isInstanceOf(ClientMessage.Ping.class);
  }

  @Test
  void framesThatOnlyLookLikeAPingAreStillChecked() {
    assertThat(ClientMessage.parse("{\"type\":\"ping\",\"payload\":[]}")).isInstanceOf(ClientMessage.Invalid.class);
    assertThat(ClientMessage.parse("{\"type\":\"ping\"")).isInstanceOf(ClientMessage.Invalid.class);
  }
}
