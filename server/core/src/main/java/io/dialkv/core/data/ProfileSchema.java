package io.dialkv.core.data;

import java.util.Collection;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * User profiles are rows under {@code profile/<user-id>}; each profile field is a cell, so updates
 * of different fields never overwrite each other.
 */
public final class ProfileSchema {
  public static final String KEY_PREFIX = "profile/";
  public static final String DISPLAY_NAME = "display_name";
  public static final String EMAIL = "email";
  public static final String BIO = "bio";
  public static final String ATTRIBUTE_PREFIX = "attributes.";
  public static final Set<String> FIXED_FIELDS = Set.of(DISPLAY_NAME, EMAIL, BIO);

  private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._@-]{1,128}");
  private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final String KNOWN =
      "known fields: display_name, email, bio, attributes.<name> (letters, digits, _ . -)";

  private ProfileSchema() {}

  /** The row key of a user's profile; rejects ids that are empty or contain odd characters. */
  public static String rowKey(String userId) {
    if (userId == null || !USER_ID.matcher(userId).matches()) {
      throw new InvalidRequestException(
          "user id '"
              + shorten(userId)
              + "' is not valid: use 1 to 128 letters, digits or the characters . _ @ -");
    }
    return KEY_PREFIX + userId;
  }

  public static void checkField(String field) {
    if (FIXED_FIELDS.contains(field)) {
      return;
    }
    if (field != null
        && field.startsWith(ATTRIBUTE_PREFIX)
        && ATTRIBUTE_NAME.matcher(field.substring(ATTRIBUTE_PREFIX.length())).matches()) {
      return;
    }
    throw new InvalidRequestException("unknown profile field '" + shorten(field) + "'; " + KNOWN);
  }

  /** What a message may quote of a name a client sent: at most 64 characters of it. */
  static String shorten(String s) {
    return s == null || s.length() <= 64 ? s : s.substring(0, 64) + "… (" + s.length() + " characters)";
  }

  public static void checkFields(Collection<String> fields) {
    fields.forEach(ProfileSchema::checkField);
  }
}
