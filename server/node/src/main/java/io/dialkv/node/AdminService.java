package io.dialkv.node;

import io.dialkv.proto.v1.AdminGrpc;
import io.dialkv.proto.v1.SetClockSkewRequest;
import io.dialkv.proto.v1.SetClockSkewResponse;
import io.dialkv.proto.v1.SetResponseDelayRequest;
import io.dialkv.proto.v1.SetResponseDelayResponse;
import io.dialkv.proto.v1.SetLinkRulesRequest;
import io.dialkv.proto.v1.SetLinkRulesResponse;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fault injection for the partition tests: link rules and clock skew. */
final class AdminService extends AdminGrpc.AdminImplBase {
  private static final Logger log = LoggerFactory.getLogger(AdminService.class);
  private static final long MAX_SKEW_MILLIS = 365L * 24 * 3600 * 1000;

  private final int nodeId;
  private final LinkRules links;
  private final SystemClock clock;
  private final ResponseDelay responseDelay;

  AdminService(int nodeId, LinkRules links, SystemClock clock, ResponseDelay responseDelay) {
    this.nodeId = nodeId;
    this.links = links;
    this.clock = clock;
    this.responseDelay = responseDelay;
  }

  /**
   * The service, served only by a node in test mode (callers also need the admin role, which the
   * client port's access check enforces for every admin call).
   */
  ServerServiceDefinition guarded(boolean testMode) {
    return ServerInterceptors.intercept(this, new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!testMode) {
          call.close(Status.PERMISSION_DENIED.withDescription(
              "fault injection is served only by nodes started with --test-mode"), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
      }
    });
  }

  @Override
  public void setLinkRules(SetLinkRulesRequest request, StreamObserver<SetLinkRulesResponse> observer) {
    if (request.getBlockedPeersCount() > 4096) {
      observer.onError(Status.INVALID_ARGUMENT
          .withDescription(request.getBlockedPeersCount() + " blocked peers; at most 4096")
          .asRuntimeException());
      return;
    }
    TreeSet<Integer> blocked = new TreeSet<>(request.getBlockedPeersList());
    blocked.remove(nodeId);
    links.block(blocked);
    if (blocked.isEmpty()) {
      log.warn("n{}: admin healed all links", nodeId);
    } else {
      log.warn("n{}: admin cut links to {}", nodeId, blocked);
    }
    observer.onNext(SetLinkRulesResponse.newBuilder().setNodeId(nodeId).addAllBlockedPeers(blocked).build());
    observer.onCompleted();
  }

  @Override
  public void setClockSkew(SetClockSkewRequest request, StreamObserver<SetClockSkewResponse> observer) {
    if (Math.abs(request.getSkewMillis()) > MAX_SKEW_MILLIS) {
      observer.onError(Status.INVALID_ARGUMENT
          .withDescription("skew_millis is " + request.getSkewMillis() + ", allowed -" + MAX_SKEW_MILLIS + " to "
              + MAX_SKEW_MILLIS + " (a year)")
          .asRuntimeException());
      return;
    }
    clock.setSkewMillis(request.getSkewMillis());
    log.warn("n{}: admin set clock skew to {} ms", nodeId, request.getSkewMillis());
    observer.onNext(SetClockSkewResponse.newBuilder().setNodeId(nodeId).setSkewMillis(request.getSkewMillis()).build());
    observer.onCompleted();
  }

  @Override
  public void setResponseDelay(
      SetResponseDelayRequest request, StreamObserver<SetResponseDelayResponse> observer) {
    if (request.getDelayMillis() < 0 || request.getDelayMillis() > 60_000) {
      observer.onError(Status.INVALID_ARGUMENT
          .withDescription("delay_millis is " + request.getDelayMillis() + ", allowed 0 to 60000")
          .asRuntimeException());
      return;
    }
    responseDelay.set(request.getDelayMillis());
    log.warn("n{}: admin set client response delay to {} ms", nodeId, request.getDelayMillis());
    observer.onNext(SetResponseDelayResponse.newBuilder()
        .setNodeId(nodeId)
        .setDelayMillis(request.getDelayMillis())
        .build());
    observer.onCompleted();
  }
}
