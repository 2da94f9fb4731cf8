package io.dialkv.core.transport;

/** A reply to a {@link PeerRequest}. */
public sealed interface PeerResponse
    permits ReplicaWriteResponse,
        ReplicaReadResponse,
        HeartbeatResponse,
        PrepareResponse,
        ProposeResponse,
        CommitResponse,
        RangeDigestResponse,
        RangeRowsResponse,
        FetchRowsResponse,
        LinearizableResponse {

  /** The replying node. */
  int nodeId();
}
