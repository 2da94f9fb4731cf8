package io.dialkv.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.sim.SimWire;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.proto.v1.peer.PeerEnvelope;
import io.dialkv.proto.v1.peer.PeerReply;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The simulated network's messages through the node's own encoding: each request becomes the
 * {@link PeerEnvelope} and each answer the {@link PeerReply} a node writes on its peer stream,
 * to bytes and back, so that a message the codec loses, bends or refuses does the same in
 * simulation as between processes.
 */
public final class ProtobufSimWire implements SimWire {
  public static final ProtobufSimWire INSTANCE = new ProtobufSimWire();

  /** Each request class's body case: the kind an answer is encoded and checked against. */
  private final Map<Class<?>, PeerEnvelope.BodyCase> kinds = new ConcurrentHashMap<>();

  private ProtobufSimWire() {}

  @Override
  public PeerRequest<?> request(PeerRequest<?> request) {
    byte[] bytes = PeerCodec.encode(request).build().toByteArray();
    try {
      return PeerCodec.decode(PeerEnvelope.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidRequestException("a " + request.getClass().getSimpleName() + " did not parse: " + e.getMessage());
    }
  }

  @Override
  public PeerResponse response(PeerRequest<?> request, PeerResponse response) {
    PeerEnvelope.BodyCase kind =
        kinds.computeIfAbsent(request.getClass(), c -> PeerCodec.encode(request).getBodyCase());
    byte[] bytes = PeerCodec.encode(kind, response).build().toByteArray();
    try {
      return PeerCodec.decode(kind, PeerReply.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidRequestException("a " + response.getClass().getSimpleName() + " did not parse: " + e.getMessage());
    }
  }
}
