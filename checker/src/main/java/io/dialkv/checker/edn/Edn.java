package io.dialkv.checker.edn;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the subset of EDN (https://github.com/edn-format/edn) that Jepsen histories use:
 * nil, booleans, integers, floats, strings, characters, keywords, symbols, lists, vectors, maps
 * and sets, with {@code ;} comments, {@code #_} discards and commas as whitespace. Tagged literals
 * are read as their untagged value.
 *
 * <p>Values map to Java as: nil → null, integers → Long (BigInteger if larger), floats → Double,
 * strings → String, keywords → {@link Keyword}, symbols → {@link Symbol}, lists and vectors →
 * unmodifiable List, maps → unmodifiable Map (insertion order), sets → unmodifiable Set.
 */
public final class Edn {
  private final String text;
  private int pos;

  private Edn(String text) {
    this.text = text;
  }

  /** Every top-level value in the text, in order. */
  public static List<Object> readAll(String text) {
    Edn reader = new Edn(text);
    List<Object> values = new ArrayList<>();
    while (reader.skipSpace()) {
      values.add(reader.read());
    }
    return values;
  }

  /** The one value in the text. */
  public static Object read(String text) {
    List<Object> all = readAll(text);
    if (all.size() != 1) {
      throw new EdnParseException("expected one EDN value, found " + all.size());
    }
    return all.get(0);
  }

  /** Skips whitespace, commas, comments and discards; false at the end of the text. */
  private boolean skipSpace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (Character.isWhitespace(c) || c == ',') {
        pos++;
      } else if (c == ';') {
        while (pos < text.length() && text.charAt(pos) != '\n') {
          pos++;
        }
      } else if (c == '#' && pos + 1 < text.length() && text.charAt(pos + 1) == '_') {
        pos += 2;
        skipSpace();
        read();
      } else {
        return true;
      }
    }
    return false;
  }

  private Object read() {
    if (!skipSpace()) {
      throw error("unexpected end of input");
    }
    char c = text.charAt(pos);
    switch (c) {
      case '[':
        pos++;
        return Collections.unmodifiableList(readUntil(']'));
      case '(':
        pos++;
        return Collections.unmodifiableList(readUntil(')'));
      case '{':
        pos++;
        return readMap();
      case '"':
        return readString();
      case '\\':
        return readChar();
      case ':':
        pos++;
        return new Keyword(token());
      case '#':
        pos++;
        if (pos < text.length() && text.charAt(pos) == '{') {
          pos++;
          return Collections.unmodifiableSet(new LinkedHashSet<>(readUntil('}')));
        }
        token(); // a tag such as #inst or #uuid: keep the value it tags
        return read();
      case ']':
      case ')':
      case '}':
        throw error("unexpected '" + c + "'");
      default:
        return atom(token());
    }
  }

  private List<Object> readUntil(char close) {
    List<Object> items = new ArrayList<>();
    while (true) {
      if (!skipSpace()) {
        throw error("missing '" + close + "'");
      }
      if (text.charAt(pos) == close) {
        pos++;
        return items;
      }
      items.add(read());
    }
  }

  private Map<Object, Object> readMap() {
    List<Object> items = readUntil('}');
    if (items.size() % 2 != 0) {
      throw error("map with an odd number of forms");
    }
    Map<Object, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i += 2) {
      map.put(items.get(i), items.get(i + 1));
    }
    return Collections.unmodifiableMap(map);
  }

  private String readString() {
    StringBuilder b = new StringBuilder();
    pos++; // opening quote
    while (pos < text.length()) {
      char c = text.charAt(pos++);
      if (c == '"') {
        return b.toString();
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      if (pos >= text.length()) {
        break;
      }
      char e = text.charAt(pos++);
      switch (e) {
        case 'n' -> b.append('\n');
        case 't' -> b.append('\t');
        case 'r' -> b.append('\r');
        case '"' -> b.append('"');
        case '\\' -> b.append('\\');
        case 'u' -> {
          b.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
          pos += 4;
        }
        default -> b.append(e);
      }
    }
    throw error("unterminated string");
  }

  private String readChar() {
    pos++; // backslash
    String name = token();
    return switch (name) {
      case "newline" -> "\n";
      case "space" -> " ";
      case "tab" -> "\t";
      case "return" -> "\r";
      default -> name.isEmpty() ? String.valueOf(text.charAt(pos++)) : name.substring(0, 1);
    };
  }

  private String token() {
    int start = pos;
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (Character.isWhitespace(c) || c == ',' || "()[]{}\";".indexOf(c) >= 0) {
        break;
      }
      pos++;
    }
    return text.substring(start, pos);
  }

  private Object atom(String token) {
    switch (token) {
      case "nil":
        return null;
      case "true":
        return Boolean.TRUE;
      case "false":
        return Boolean.FALSE;
      default:
        break;
    }
    char first = token.charAt(0);
    boolean numeric =
        Character.isDigit(first)
            || ((first == '-' || first == '+') && token.length() > 1 && Character.isDigit(token.charAt(1)));
    if (!numeric) {
      return new Symbol(token);
    }
    String digits = token.endsWith("N") || token.endsWith("M") ? token.substring(0, token.length() - 1) : token;
    try {
      if (digits.contains(".") || digits.contains("e") || digits.contains("E")) {
        return Double.parseDouble(digits);
      }
      BigInteger big = new BigInteger(digits.startsWith("+") ? digits.substring(1) : digits);
      return big.bitLength() < 64 ? (Object) big.longValue() : big;
    } catch (NumberFormatException e) {
      throw error("bad number '" + token + "'");
    }
  }

  private EdnParseException error(String what) {
    int line = 1;
    for (int i = 0; i < Math.min(pos, text.length()); i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return new EdnParseException(what + " at line " + line);
  }

  /** Writes a value as EDN; maps with keyword keys print the way Jepsen's histories do. */
  public static String write(Object value) {
    StringBuilder b = new StringBuilder();
    write(value, b);
    return b.toString();
  }

  private static void write(Object value, StringBuilder b) {
    if (value == null) {
      b.append("nil");
    } else if (value instanceof String s) {
      b.append('"');
      for (char c : s.toCharArray()) {
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\t' -> b.append("\\t");
          case '\r' -> b.append("\\r");
          default -> b.append(c);
        }
      }
      b.append('"');
    } else if (value instanceof Map<?, ?> map) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          b.append(", ");
        }
        first = false;
        write(e.getKey(), b);
        b.append(' ');
        write(e.getValue(), b);
      }
      b.append('}');
    } else if (value instanceof Set<?> set) {
      b.append("#{");
      joinInto(set, b);
      b.append('}');
    } else if (value instanceof Collection<?> list) {
      b.append('[');
      joinInto(list, b);
      b.append(']');
    } else {
      b.append(value); // numbers, booleans, keywords, symbols
    }
  }

  private static void joinInto(Collection<?> items, StringBuilder b) {
    boolean first = true;
    for (Object item : items) {
      if (!first) {
        b.append(' ');
      }
      first = false;
      write(item, b);
    }
  }
}
