package io.dialkv.proxy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.dialkv.core.data.ProfileSchema;
import io.dialkv.proto.v1.ClusterGrpc;
import io.dialkv.proto.v1.CompareAndSetRequest;
import io.dialkv.proto.v1.DeleteProfileRequest;
import io.dialkv.proto.v1.DeleteRequest;
import io.dialkv.proto.v1.DialKvGrpc;
import io.dialkv.proto.v1.GetProfileRequest;
import io.dialkv.proto.v1.GetRequest;
import io.dialkv.proto.v1.PutProfileRequest;
import io.dialkv.proto.v1.PutRequest;
import io.dialkv.proto.v1.UpdateProfileRequest;
import io.grpc.health.v1.HealthGrpc;
import java.util.Map;
import java.util.Set;

/**
 * What the L7 proxy reads from a request it forwards as bytes: the row key (so that token-aware
 * routing works for clients that know nothing of the ring), and whether repeating the call on
 * another node is safe (reads are; writes only when they were never sent).
 */
final class RoutingKeys {
  private interface KeyOf {
    String key(byte[] request) throws InvalidProtocolBufferException;
  }

  private static final Map<String, KeyOf> KEYS =
      Map.of(
          DialKvGrpc.getGetMethod().getFullMethodName(), b -> GetRequest.parseFrom(b).getKey(),
          DialKvGrpc.getPutMethod().getFullMethodName(), b -> PutRequest.parseFrom(b).getKey(),
          DialKvGrpc.getDeleteMethod().getFullMethodName(), b -> DeleteRequest.parseFrom(b).getKey(),
          DialKvGrpc.getCompareAndSetMethod().getFullMethodName(),
              b -> CompareAndSetRequest.parseFrom(b).getKey(),
          DialKvGrpc.getGetProfileMethod().getFullMethodName(),
              b -> ProfileSchema.rowKey(GetProfileRequest.parseFrom(b).getUserId()),
          DialKvGrpc.getPutProfileMethod().getFullMethodName(),
              b -> ProfileSchema.rowKey(PutProfileRequest.parseFrom(b).getProfile().getUserId()),
          DialKvGrpc.getUpdateProfileMethod().getFullMethodName(),
              b -> ProfileSchema.rowKey(UpdateProfileRequest.parseFrom(b).getUserId()),
          DialKvGrpc.getDeleteProfileMethod().getFullMethodName(),
              b -> ProfileSchema.rowKey(DeleteProfileRequest.parseFrom(b).getUserId()));

  private static final Set<String> READS =
      Set.of(
          DialKvGrpc.getGetMethod().getFullMethodName(),
          DialKvGrpc.getGetProfileMethod().getFullMethodName(),
          ClusterGrpc.getTopologyMethod().getFullMethodName(),
          HealthGrpc.getCheckMethod().getFullMethodName());

  private RoutingKeys() {}

  /** The row key of a request, or null when the method has none or the bytes do not parse. */
  static String keyOf(String fullMethodName, byte[] request) {
    KeyOf keyOf = KEYS.get(fullMethodName);
    if (keyOf == null) {
      return null;
    }
    try {
      return keyOf.key(request);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // Not ours to judge: the node answers a malformed request with a clear error.
      return null;
    }
  }

  /** Whether the method only reads, so repeating it elsewhere after a broken connection is safe. */
  static boolean isRead(String fullMethodName) {
    return READS.contains(fullMethodName);
  }
}
