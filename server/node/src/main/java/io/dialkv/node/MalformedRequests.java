package io.dialkv.node;

import io.dialkv.proto.RawBytes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Requests whose bytes are not the message they claim to be get {@code INVALID_ARGUMENT}, and
 * nothing is logged: gRPC itself would answer {@code UNKNOWN} ("application error") and log a stack
 * trace for each, which tells the caller the server broke and lets one client fill the disk. Each
 * method receives its request as bytes and decodes it here, under guard, before the service sees
 * it.
 */
final class MalformedRequests {
  private MalformedRequests() {}

  static ServerServiceDefinition invalidArgument(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> w = wrap(method);
      methods.add(w);
      descriptor.addMethod(w.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder wrapped = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(wrapped::addMethod);
    return wrapped.build();
  }

  private static <Q, R> ServerMethodDefinition<byte[], R> wrap(ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> typed = method.getMethodDescriptor();
    MethodDescriptor<byte[], R> raw = typed.toBuilder(RawBytes.MARSHALLER, typed.getResponseMarshaller()).build();
    ServerCallHandler<Q, R> handler = method.getServerCallHandler();
    return ServerMethodDefinition.create(raw, (call, headers) -> decoding(typed, handler, call, headers));
  }

  private static <Q, R> ServerCall.Listener<byte[]> decoding(
      MethodDescriptor<Q, R> typed, ServerCallHandler<Q, R> handler, ServerCall<byte[], R> call, Metadata headers) {
    ServerCall<Q, R> asTyped = new ServerCall<>() {
      @Override
      public void request(int numMessages) {
        call.request(numMessages);
      }

      @Override
      public void sendHeaders(Metadata responseHeaders) {
        call.sendHeaders(responseHeaders);
      }

      @Override
      public void sendMessage(R message) {
        call.sendMessage(message);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        call.close(status, trailers);
      }

      @Override
      public boolean isCancelled() {
        return call.isCancelled();
      }

      @Override
      public boolean isReady() {
        return call.isReady();
      }

      @Override
      public void setMessageCompression(boolean enabled) {
        call.setMessageCompression(enabled);
      }

      @Override
      public void setCompression(String compressor) {
        call.setCompression(compressor);
      }

      @Override
      public io.grpc.Attributes getAttributes() {
        return call.getAttributes();
      }

      @Override
      public String getAuthority() {
        return call.getAuthority();
      }

      @Override
      public MethodDescriptor<Q, R> getMethodDescriptor() {
        return typed;
      }
    };
    ServerCall.Listener<Q> service = handler.startCall(asTyped, headers);
    return new ServerCall.Listener<>() {
      private boolean refused;

      @Override
      public void onMessage(byte[] bytes) {
        if (refused) {
          return;
        }
        Q request;
        try {
          request = typed.parseRequest(new ByteArrayInputStream(bytes));
        } catch (RuntimeException e) {
          refused = true;
          Metadata trailers = new Metadata();
          trailers.put(Replies.ERROR_KIND, "invalid-argument");
          call.close(Status.INVALID_ARGUMENT.withDescription(
              "the request is not a valid " + typed.getFullMethodName() + " message (" + bytes.length + " bytes)"),
              trailers);
          return;
        }
        service.onMessage(request);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          service.onHalfClose();
        }
      }

      @Override
      public void onCancel() {
        service.onCancel();
      }

      @Override
      public void onComplete() {
        service.onComplete();
      }

      @Override
      public void onReady() {
        service.onReady();
      }
    };
  }
}
