package io.dialkv.checker.model;

import io.dialkv.checker.edn.Edn;
import io.dialkv.checker.edn.Keyword;
import java.util.List;
import java.util.Map;

/** The models by name, as the command line and reports name them. */
public final class Models {
  public static final List<String> NAMES = List.of("register", "cas-register", "multi-register", "mutex", "kv");

  private Models() {}

  /**
   * The named model.
   *
   * @param initialEdn the initial value as EDN (e.g. {@code 0}, {@code nil}, {@code {:x 0 :y 0}},
   *     {@code ""}), or null for the model's usual default: 0 for registers, {x 0, y 0} for the
   *     multi-register, "" for kv
   */
  public static Model byName(String name, String initialEdn) {
    Object initial = initialEdn == null ? null : Edn.read(initialEdn);
    return switch (name) {
      case "register" -> RegisterModel.register(initialEdn == null ? 0L : initial);
      case "cas-register" -> RegisterModel.casRegister(initialEdn == null ? 0L : initial);
      case "multi-register" -> new MultiRegisterModel(initialEdn == null
          ? Map.of(Keyword.of("x"), 0L, Keyword.of("y"), 0L)
          : asMap(initial));
      case "mutex" -> new MutexModel();
      case "kv" -> new KvModel(initialEdn == null ? "" : String.valueOf(initial));
      default -> throw new IllegalArgumentException(
          "unknown model '" + name + "'; models: " + String.join(", ", NAMES));
    };
  }

  @SuppressWarnings("unchecked")
  private static Map<Object, Object> asMap(Object value) {
    if (value instanceof Map<?, ?> map) {
      return (Map<Object, Object>) map;
    }
    throw new IllegalArgumentException("the multi-register's initial value is a map, e.g. {:x 0 :y 0}");
  }
}
