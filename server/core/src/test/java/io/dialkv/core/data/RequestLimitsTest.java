package io.dialkv.core.data;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestLimitsTest {
  private final RequestLimits limits = RequestLimits.defaults();

  @Test
  void keysMustBeOneTo256Bytes() {
    assertThatThrownBy(() -> limits.checkKey(""))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("key is empty; keys are 1 to 256 bytes");
    assertThatThrownBy(() -> limits.checkKey("k".repeat(300)))
        .hasMessage("key is 300 bytes, limit 256");
    // 100 three-byte characters: 300 bytes, though only 100 chars.
    assertThatThrownBy(() -> limits.checkKey("€".repeat(100))).hasMessage("key is 300 bytes, limit 256");
    assertThatCode(() -> limits.checkKey("k".repeat(256))).doesNotThrowAnyException();
  }

  @Test
  void valuesAreLimitedTo1MiB() {
    assertThatThrownBy(() -> limits.checkMutation(Mutation.put(new byte[(1 << 20) + 1])))
        .hasMessageContaining("limit 1048576");
  }

  @Test
  void profileKeysAreReservedForProfiles() {
    assertThatThrownBy(() -> limits.checkKey("profile/user-1"))
        .hasMessageContaining("use the profile calls");
  }

  @Test
  void unknownProfileFieldsAreNamed() {
    assertThatThrownBy(() -> ProfileSchema.checkFields(List.of("display_name", "favourite_colour")))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageStartingWith("unknown profile field 'favourite_colour'");
    assertThatCode(() -> ProfileSchema.checkFields(List.of("attributes.team", "email"))).doesNotThrowAnyException();
    assertThatThrownBy(() -> ProfileSchema.rowKey("has/slash")).hasMessageContaining("is not valid");
    assertThatCode(() -> Mutation.update(Map.of(), List.of())).doesNotThrowAnyException();
  }
}
