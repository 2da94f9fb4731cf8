package io.dialkv.proto;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A gRPC marshaller that leaves messages as their bytes: for code that forwards calls without
 * reading them (the standalone balancer) or decodes them itself, under guard (a node's services).
 */
public final class RawBytes {
  /** Messages as byte arrays, unchanged. */
  public static final MethodDescriptor.Marshaller<byte[]> MARSHALLER = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException("reading a message", e);
      }
    }
  };

  private RawBytes() {}
}
