package io.dialkv.bench.race;

import io.dialkv.proto.RawBytes;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * E: a bare gRPC-java unary echo, the same gRPC stack dialkv runs on, with no work behind it. What it
 * does per second between two JVMs is the ceiling the race's ratios are taken against.
 */
@Command(name = "echo-server", mixinStandardHelpOptions = true,
    description = "Serve a bare gRPC unary echo on 127.0.0.1 (plaintext) until killed.")
final class EchoServer implements Callable<Integer> {
  static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("race.Echo/Echo")
      .setRequestMarshaller(RawBytes.MARSHALLER)
      .setResponseMarshaller(RawBytes.MARSHALLER)
      .build();

  @Option(names = "--port", required = true, description = "Port to listen on.")
  int port;

  @Override
  public Integer call() throws Exception {
    ServerServiceDefinition echo = ServerServiceDefinition.builder("race.Echo")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
          response.onNext(request);
          response.onCompleted();
        }))
        .build();
    Server server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
        .directExecutor().addService(echo).build().start();
    System.out.println("echo server on port " + port);
    server.awaitTermination();
    return 0;
  }
}
