package io.dialkv.core.time;

/**
 * Places in the core where a rare but legal behaviour can be made to happen often, in the spirit of
 * FoundationDB's BUGGIFY: each is something a correct node may do anyway (a commit that reaches only
 * a majority, a hint not kept, a page of one row), so forcing it shows whether the code that copes
 * with it works. Only a simulation that asks for it makes a site fire ({@link Scheduler#buggify});
 * in production every site is off.
 */
public enum Buggify {
  /**
   * A chosen Paxos value is committed to a majority only, the rest left for the next round's
   * prepare to bring up to date (as a proposer that dies after a majority's commits leaves them).
   */
  PAXOS_COMMIT_TO_MAJORITY,
  /** A Paxos prepare or propose goes to every live replica at once, not to a majority first. */
  PAXOS_ROUND_TO_ALL,
  /** A read at ONE is always followed by a background read repair, whatever the configured chance. */
  READ_REPAIR_ALWAYS,
  /** A write does not keep a hint for a replica it could not reach (repair must catch it up). */
  HINT_NOT_STORED,
  /** Range streaming fetches one row per page: many pages, each racing the writes in between. */
  STREAM_ONE_ROW_PAGES
}
