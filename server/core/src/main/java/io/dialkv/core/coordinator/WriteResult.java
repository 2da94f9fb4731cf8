package io.dialkv.core.coordinator;

/** An acknowledged write: enough replicas have it in their write-ahead logs. */
public record WriteResult(Provenance provenance) {}
