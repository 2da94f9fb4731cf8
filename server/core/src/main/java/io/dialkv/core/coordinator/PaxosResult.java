package io.dialkv.core.coordinator;

import io.dialkv.core.data.Row;

/**
 * The outcome of a linearizable operation.
 *
 * @param before the row as it was when the operation took effect (what a read returns)
 * @param applied whether the operation changed the row (false for reads and failed compare-and-sets)
 * @param provenance who took part, with the Paxos ballot and rounds
 */
public record PaxosResult(Row before, boolean applied, Provenance provenance) {}
