package io.dialkv.core.coordinator;

import io.dialkv.core.data.Row;

/** The merged row the counted replicas returned, and how it was obtained. */
public record ReadResult(Row row, Provenance provenance) {}
