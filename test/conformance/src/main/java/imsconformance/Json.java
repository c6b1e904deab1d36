package imsconformance;

import java.util.ArrayDeque;
import java.util.Deque;

/** A minimal JSON writer: strings, nulls, objects and arrays, nothing more is needed here. */
final class Json {
  private final StringBuilder b = new StringBuilder();
  private final Deque<Character> closers = new ArrayDeque<>();
  private boolean comma;

  Json open() {
    return begin('{', '}');
  }

  Json array() {
    return begin('[', ']');
  }

  /** Closes the innermost object or array. */
  Json end() {
    b.append(closers.pop());
    comma = true;
    return this;
  }

  /** Closes the outermost object and returns the text. */
  String close() {
    end();
    return b.toString();
  }

  Json key(String k) {
    separate();
    str(k);
    b.append(':');
    comma = false;
    return this;
  }

  Json field(String k, String v) {
    return key(k).value(v);
  }

  Json value(String v) {
    separate();
    if (v == null) b.append("null");
    else str(v);
    comma = true;
    return this;
  }

  Json nil() {
    return value(null);
  }

  private Json begin(char open, char close) {
    separate();
    b.append(open);
    closers.push(close);
    comma = false;
    return this;
  }

  private void separate() {
    if (comma) b.append(',');
  }

  private void str(String s) {
    b.append('"');
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    b.append('"');
  }
}
