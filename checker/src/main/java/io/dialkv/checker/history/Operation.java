package io.dialkv.checker.history;

/**
 * A client operation: an invocation paired with its completion.
 *
 * @param id position among the history's operations, from 0
 * @param process the client process
 * @param f the function
 * @param key the key, or null for single-object histories
 * @param input the invocation's value
 * @param output the completion's value (null if unknown)
 * @param callIndex position of the invocation in the history
 * @param returnIndex position of the completion, or {@link Integer#MAX_VALUE} if the outcome is
 *     unknown ({@code :info} or no completion): it may take effect at any time after its call, or
 *     never
 * @param invocation the raw invocation event
 * @param completion the raw completion event (null if there was none)
 */
public record Operation(
    int id,
    Object process,
    String f,
    Object key,
    Object input,
    Object output,
    int callIndex,
    int returnIndex,
    Op invocation,
    Op completion) {

  /** True if the outcome is unknown: the operation may or may not have taken effect. */
  public boolean indeterminate() {
    return returnIndex == Integer.MAX_VALUE;
  }

  @Override
  public String toString() {
    String args = (key == null ? "" : " " + key) + (input == null ? "" : " " + input);
    String result =
        indeterminate() ? " -> ?" : output == null || output.equals(input) ? "" : " -> " + output;
    return "p" + process + " " + f + args + result
        + " [" + callIndex + ".." + (indeterminate() ? "∞" : returnIndex) + "]";
  }
}
