package io.dialkv.checker;

import java.time.Duration;

/**
 * The checker's answer for a whole history.
 *
 * @param verdict linearizable, not, or unknown (budget exhausted)
 * @param operations client operations checked (failed ones excluded)
 * @param partitions independent keys checked separately
 * @param steps search steps taken, over all keys
 * @param elapsed wall time spent
 * @param counterexample why not, when not linearizable; null otherwise
 * @param unknownKey the key whose search ran out of budget, when unknown
 */
public record CheckResult(
    Verdict verdict,
    int operations,
    int partitions,
    long steps,
    Duration elapsed,
    Counterexample counterexample,
    Object unknownKey) {}
