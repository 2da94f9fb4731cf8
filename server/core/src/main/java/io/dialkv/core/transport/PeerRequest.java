package io.dialkv.core.transport;

/**
 * A message one node sends another and expects one reply to.
 *
 * @param <R> the reply's type
 */
public sealed interface PeerRequest<R extends PeerResponse>
    permits ReplicaWriteRequest,
        ReplicaReadRequest,
        HeartbeatRequest,
        PrepareRequest,
        ProposeRequest,
        CommitRequest,
        RangeDigestRequest,
        RangeRowsRequest,
        FetchRowsRequest,
        ApplyRowsRequest,
        LinearizableRequest {

  /** The sending node. */
  int from();
}
