package io.dialkv.harness;

import java.util.List;

/**
 * What the profile workload saw at one level: concurrent updates of profile fields from every node,
 * and which of them the final profiles kept.
 *
 * @param level ONE, QUORUM or ALL
 * @param ok updates acknowledged
 * @param failed updates certainly not applied
 * @param indeterminate updates whose outcome is unknown
 * @param lostUpdates acknowledged updates that came after the one the final profile kept
 * @param examples a few lost updates, described
 */
public record ProfileResult(String level, int ok, int failed, int indeterminate, int lostUpdates, List<String> examples) {}
