package io.dialkv.core.data;

import java.nio.charset.StandardCharsets;

/**
 * Size limits on keys and values. Checked by the coordinator before anything is sent, so an
 * oversized request costs the cluster nothing and the client learns which limit it crossed.
 */
public record RequestLimits(int maxKeyBytes, int maxValueBytes) {
  public static final int DEFAULT_MAX_KEY_BYTES = 256;
  public static final int DEFAULT_MAX_VALUE_BYTES = 1 << 20;

  public static RequestLimits defaults() {
    return new RequestLimits(DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES);
  }

  public RequestLimits {
    if (maxKeyBytes < 1 || maxValueBytes < 0) {
      throw new IllegalArgumentException("limits must be positive");
    }
  }

  /** Checks a plain key: 1 to maxKeyBytes bytes of UTF-8, not in the profile namespace. */
  public void checkKey(String key) {
    checkRowKey(key);
    if (key.startsWith(ProfileSchema.KEY_PREFIX)) {
      throw new InvalidRequestException(
          "keys starting with '"
              + ProfileSchema.KEY_PREFIX
              + "' hold user profiles; use the profile calls for them");
    }
  }

  /** Checks any row key, including profile rows. */
  public void checkRowKey(String key) {
    if (key == null || key.isEmpty()) {
      throw new InvalidRequestException("key is empty; keys are 1 to " + maxKeyBytes + " bytes");
    }
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxKeyBytes) {
      throw new InvalidRequestException("key is " + bytes + " bytes, limit " + maxKeyBytes);
    }
  }

  /** Checks the total size of what a mutation writes. */
  public void checkMutation(Mutation mutation) {
    long bytes = mutation.sizeBytes();
    if (bytes > maxValueBytes) {
      throw new InvalidRequestException("value is " + bytes + " bytes, limit " + maxValueBytes);
    }
  }
}
