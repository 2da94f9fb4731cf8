package io.dialkv.node;

import static io.dialkv.wire.ProtoCodec.consistency;
import static io.dialkv.wire.ProtoCodec.toProto;

import com.google.protobuf.ByteString;
import io.dialkv.core.coordinator.ReadResult;
import io.dialkv.core.coordinator.WriteResult;
import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.data.ProfileSchema;
import io.dialkv.core.node.DialNode;
import io.dialkv.node.metrics.RequestMetrics;
import io.dialkv.node.metrics.RequestMetrics.Level;
import io.dialkv.node.metrics.RequestMetrics.Operation;
import io.dialkv.proto.v1.CompareAndSetRequest;
import io.dialkv.proto.v1.CompareAndSetResponse;
import io.dialkv.proto.v1.DeleteProfileRequest;
import io.dialkv.proto.v1.DeleteProfileResponse;
import io.dialkv.proto.v1.DeleteRequest;
import io.dialkv.proto.v1.DeleteResponse;
import io.dialkv.proto.v1.DialKvGrpc;
import io.dialkv.proto.v1.FieldVersion;
import io.dialkv.proto.v1.GetProfileRequest;
import io.dialkv.proto.v1.GetProfileResponse;
import io.dialkv.proto.v1.GetRequest;
import io.dialkv.proto.v1.GetResponse;
import io.dialkv.proto.v1.Profile;
import io.dialkv.proto.v1.PutProfileRequest;
import io.dialkv.proto.v1.PutProfileResponse;
import io.dialkv.proto.v1.PutRequest;
import io.dialkv.proto.v1.PutResponse;
import io.dialkv.proto.v1.UpdateProfileRequest;
import io.dialkv.proto.v1.UpdateProfileResponse;
import io.dialkv.wire.ProtoCodec;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The client API over gRPC: a thin translation between protobuf and {@link DialNode} calls, each
 * answered request counted in {@link RequestMetrics}.
 */
final class KvService extends DialKvGrpc.DialKvImplBase {
  private final DialNode node;
  private final RequestMetrics metrics;

  KvService(DialNode node, RequestMetrics metrics) {
    this.node = node;
    this.metrics = metrics;
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> observer) {
    Replies.guard(
        observer,
        () ->
            serve(Operation.GET, level(request.getConsistency()),
                () -> node.get(
                    request.getKey(),
                    consistency(request.getConsistency(), request.getConsistencyValue()),
                    request.getTrace()),
                KvService::toGetResponse,
                observer));
  }

  private static GetResponse toGetResponse(ReadResult result) {
    GetResponse.Builder b = GetResponse.newBuilder().setProvenance(toProto(result.provenance()));
    Cell cell = result.row().liveCells().get(Mutation.VALUE_CELL);
    if (cell != null) {
      b.setFound(true)
          .setValue(ByteString.copyFrom(cell.valueUnsafe()))
          .setTimestamp(toProto(cell.timestamp()));
    }
    return b.build();
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> observer) {
    Replies.guard(
        observer,
        () ->
            serve(Operation.PUT, level(request.getConsistency()),
                () -> node.put(
                    request.getKey(),
                    request.getValue().toByteArray(),
                    consistency(request.getConsistency(), request.getConsistencyValue())),
                r -> PutResponse.newBuilder().setProvenance(toProto(r.provenance())).build(),
                observer));
  }

  @Override
  public void compareAndSet(CompareAndSetRequest request, StreamObserver<CompareAndSetResponse> observer) {
    Replies.guard(
        observer,
        () ->
            serve(Operation.COMPARE_AND_SET, Level.LINEARIZABLE,
                () -> node.compareAndSet(
                    request.getKey(),
                    request.getExpectAbsent() ? null : request.getExpected().toByteArray(),
                    request.getNewValue().toByteArray()),
                r -> {
                  CompareAndSetResponse.Builder b =
                      CompareAndSetResponse.newBuilder()
                          .setApplied(r.applied())
                          .setProvenance(toProto(r.provenance()));
                  Cell cell = r.before().liveCells().get(Mutation.VALUE_CELL);
                  if (cell != null) {
                    b.setFound(true).setCurrentValue(ByteString.copyFrom(cell.valueUnsafe()));
                  }
                  return b.build();
                },
                observer));
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<DeleteResponse> observer) {
    Replies.guard(
        observer,
        () ->
            serve(Operation.DELETE, level(request.getConsistency()),
                () -> node.delete(
                    request.getKey(),
                    consistency(request.getConsistency(), request.getConsistencyValue())),
                r -> DeleteResponse.newBuilder().setProvenance(toProto(r.provenance())).build(),
                observer));
  }

  @Override
  public void getProfile(GetProfileRequest request, StreamObserver<GetProfileResponse> observer) {
    Replies.guard(
        observer,
        () ->
            serve(Operation.GET_PROFILE, level(request.getConsistency()),
                () -> node.getProfile(
                    request.getUserId(),
                    consistency(request.getConsistency(), request.getConsistencyValue()),
                    request.getTrace()),
                r -> toProfileResponse(request.getUserId(), r),
                observer));
  }

  private static GetProfileResponse toProfileResponse(String userId, ReadResult result) {
    GetProfileResponse.Builder b =
        GetProfileResponse.newBuilder().setProvenance(toProto(result.provenance()));
    Map<String, Cell> fields = result.row().liveCells();
    if (fields.isEmpty()) {
      return b.build();
    }
    Profile.Builder profile = Profile.newBuilder().setUserId(userId);
    fields.forEach(
        (name, cell) -> {
          String value = new String(cell.valueUnsafe(), StandardCharsets.UTF_8);
          switch (name) {
            case ProfileSchema.DISPLAY_NAME -> profile.setDisplayName(value);
            case ProfileSchema.EMAIL -> profile.setEmail(value);
            case ProfileSchema.BIO -> profile.setBio(value);
            default -> {
              if (name.startsWith(ProfileSchema.ATTRIBUTE_PREFIX)) {
                profile.putAttributes(name.substring(ProfileSchema.ATTRIBUTE_PREFIX.length()), value);
              }
            }
          }
          b.addVersions(
              FieldVersion.newBuilder().setField(name).setTimestamp(toProto(cell.timestamp())));
        });
    return b.setFound(true).setProfile(profile).build();
  }

  @Override
  public void putProfile(PutProfileRequest request, StreamObserver<PutProfileResponse> observer) {
    Replies.guard(
        observer,
        () -> {
          Profile p = request.getProfile();
          Map<String, byte[]> fields = new LinkedHashMap<>();
          putIfSet(fields, ProfileSchema.DISPLAY_NAME, p.getDisplayName());
          putIfSet(fields, ProfileSchema.EMAIL, p.getEmail());
          putIfSet(fields, ProfileSchema.BIO, p.getBio());
          p.getAttributesMap()
              .forEach((k, v) -> fields.put(ProfileSchema.ATTRIBUTE_PREFIX + k, utf8(v)));
          serve(Operation.PUT_PROFILE, level(request.getConsistency()),
              () -> node.putProfile(
                  p.getUserId(),
                  fields,
                  consistency(request.getConsistency(), request.getConsistencyValue())),
              (WriteResult r) ->
                  PutProfileResponse.newBuilder().setProvenance(toProto(r.provenance())).build(),
              observer);
        });
  }

  @Override
  public void updateProfile(
      UpdateProfileRequest request, StreamObserver<UpdateProfileResponse> observer) {
    Replies.guard(
        observer,
        () -> {
          Map<String, byte[]> set = new LinkedHashMap<>();
          request.getSetMap().forEach((k, v) -> set.put(k, utf8(v)));
          serve(Operation.UPDATE_PROFILE, level(request.getConsistency()),
              () -> node.updateProfile(
                  request.getUserId(),
                  set,
                  request.getUnsetList(),
                  consistency(request.getConsistency(), request.getConsistencyValue())),
              r -> UpdateProfileResponse.newBuilder().setProvenance(toProto(r.provenance())).build(),
              observer);
        });
  }

  @Override
  public void deleteProfile(
      DeleteProfileRequest request, StreamObserver<DeleteProfileResponse> observer) {
    Replies.guard(
        observer,
        () ->
            serve(Operation.DELETE_PROFILE, level(request.getConsistency()),
                () -> node.deleteProfile(
                    request.getUserId(),
                    consistency(request.getConsistency(), request.getConsistencyValue())),
                r -> DeleteProfileResponse.newBuilder().setProvenance(toProto(r.provenance())).build(),
                observer));
  }

  /**
   * Runs the request if the node admits it, counts its outcome, and relays the answer (counted
   * first, so a client that scrapes after its answer sees it).
   */
  private <T, P> void serve(Operation op, Level level, Supplier<CompletableFuture<T>> request,
      Function<T, P> convert, StreamObserver<P> observer) {
    long start = System.nanoTime();
    CompletableFuture<T> answer;
    try {
      answer = admitted(request);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    Replies.relay(
        answer.whenComplete((r, failure) ->
            metrics.record(op, level, failure == null ? RequestMetrics.OK : Replies.outcome(failure), start)),
        convert,
        observer);
  }

  /** The level a request asks for, as labelled; the client API's default (unset) is QUORUM. */
  private static Level level(io.dialkv.proto.v1.Consistency asked) {
    return asked == io.dialkv.proto.v1.Consistency.UNRECOGNIZED ? Level.UNKNOWN : Level.valueOf(consistency(asked, 0).name());
  }

  /**
   * The request, run only if the node admits it; the time the client will wait travels with it, so
   * that a request whose deadline passed while it queued is refused rather than done for nobody.
   */
  private <T> CompletableFuture<T> admitted(Supplier<CompletableFuture<T>> request) {
    Deadline deadline = Context.current().getDeadline();
    long remaining = deadline == null ? Long.MAX_VALUE : deadline.timeRemaining(TimeUnit.NANOSECONDS);
    return node.admitted(remaining, request);
  }

  private static void putIfSet(Map<String, byte[]> fields, String name, String value) {
    if (!value.isEmpty()) {
      fields.put(name, utf8(value));
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
