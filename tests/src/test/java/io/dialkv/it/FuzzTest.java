package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.dialkv.client.DialClient;
import io.dialkv.harness.ProcessCluster;
import io.dialkv.proto.v1.AdminGrpc;
import io.dialkv.proto.v1.ClusterGrpc;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.DecommissionRequest;
import io.dialkv.proto.v1.DialKvGrpc;
import io.dialkv.proto.v1.RemoveNodeRequest;
import io.dialkv.proto.v1.peer.HeartbeatRequest;
import io.dialkv.proto.v1.peer.PeerEnvelope;
import io.dialkv.proto.v1.peer.PeerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated bytes, and well-formed messages with absurd field values, sent to every
 * unary method of every service of a secure cluster and as every kind of request on the peer
 * port's Exchange stream (the client port as an admin, the peer port as a member, so that the
 * requests get past authentication to the code that decodes them).
 * Seeded and bounded. Every answer must be a status a client can act on — never UNKNOWN or
 * INTERNAL — the nodes keep serving, and their logs hold no error and no stack trace.
 */
class FuzzTest {
  private static final long SEED = 20261201L;
  // Absurd strings (unpaired surrogates) make protobuf log a warning with a stack trace for each
  // message this test encodes: megabytes of the test's own noise, not the nodes'.
  private static final java.util.logging.Logger PROTOBUF_LOG = quiet("com.google.protobuf.CodedOutputStream");
  private static final int PER_METHOD = 120;
  private static final Set<Status.Code> BROKEN =
      EnumSet.of(Status.Code.UNKNOWN, Status.Code.INTERNAL, Status.Code.DATA_LOSS, Status.Code.UNIMPLEMENTED);

  @Test
  void everyMethodAnswersGarbageWithAStatusAndTheNodesKeepServing() throws Exception {
    try (ProcessCluster cluster = Clusters.start(3, 3)) {
      cluster.awaitHealthy(Duration.ofSeconds(60));
      Random random = new Random(SEED);
      ManagedChannel client = RawGrpc.channel(cluster.node(1).endpoint(), cluster.credentials().channelCredentials());
      ManagedChannel peer = RawGrpc.asNode(cluster.node(2).peerEndpoint(), cluster.certsDir("n1"), 1);
      Map<String, Map<Status.Code, Integer>> seen = new TreeMap<>();
      List<String> broken = new ArrayList<>();
      try {
        for (ServiceDescriptor service : List.of(DialKvGrpc.getServiceDescriptor(), ClusterGrpc.getServiceDescriptor(),
            AdminGrpc.getServiceDescriptor(), HealthGrpc.getServiceDescriptor())) {
          fuzz(service, client, random, seen, broken);
        }
        fuzz(PeerGrpc.getServiceDescriptor(), peer, random, seen, broken);
        fuzzPeerRequests(peer, random, seen, broken);
      } finally {
        client.shutdownNow();
        peer.shutdownNow();
      }
      assertThat(broken).as("answers that are not a status a caller can act on").isEmpty();
      assertThat(seen.values().stream().mapToInt(m -> m.values().stream().mapToInt(Integer::intValue).sum()).sum())
          .isGreaterThan(3000);
      // Some requests got through to the code that checks them, not only to the decoder.
      assertThat(seen.get("dialkv.v1.peer.Peer/RangeDigest")).containsKey(Status.Code.INVALID_ARGUMENT);
      assertThat(seen.get("dialkv.v1.DialKv/Put")).containsKeys(Status.Code.INVALID_ARGUMENT, Status.Code.OK);

      for (int node : cluster.nodeIds()) {
        assertThat(cluster.node(node).isAlive()).as("n" + node + " is running").isTrue();
      }
      try (DialClient c = cluster.client()) {
        c.put("after-the-fuzz", "still here".getBytes(StandardCharsets.UTF_8), Consistency.ALL);
        assertThat(c.get("after-the-fuzz", Consistency.ALL, false).getValue().toStringUtf8()).isEqualTo("still here");
      }
      for (int node : cluster.nodeIds()) {
        List<String> lines = Files.readAllLines(cluster.node(node).log());
        assertThat(lines).as("n" + node + "'s log").noneMatch(l -> l.contains(" ERROR ") || l.startsWith("\tat "));
        assertThat(lines.stream().filter(l -> l.contains(" WARN ")).count()).as("n" + node + " WARN lines")
            .isLessThan(60);
      }
    }
  }

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
    logger.setLevel(java.util.logging.Level.SEVERE);
    return logger; // kept: JUL holds loggers weakly, and a collected one forgets its level
  }

  private static void fuzz(ServiceDescriptor service, ManagedChannel channel, Random random,
      Map<String, Map<Status.Code, Integer>> seen, List<String> broken) {
    for (MethodDescriptor<?, ?> method : service.getMethods()) {
      if (method.getType() != MethodDescriptor.MethodType.UNARY) {
        continue;
      }
      Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
          .getMessagePrototype();
      for (int i = 0; i < PER_METHOD; i++) {
        byte[] payload = switch (i % 3) {
          case 0 -> randomBytes(random);
          case 1 -> mutate(absurd(prototype, random).toByteArray(), random);
          default -> absurd(prototype, random).toByteArray();
        };
        if (dangerous(method.getFullMethodName(), payload)) {
          continue;
        }
        Status status = RawGrpc.call(channel, method.getFullMethodName(), payload);
        seen.computeIfAbsent(method.getFullMethodName(), m -> new TreeMap<>()).merge(status.getCode(), 1, Integer::sum);
        if (BROKEN.contains(status.getCode())) {
          broken.add(method.getFullMethodName() + " #" + i + ": " + status);
        }
      }
    }
  }

  /** Every kind of request a node sends on its Exchange stream, each as the body of one message. */
  private static void fuzzPeerRequests(ManagedChannel channel, Random random,
      Map<String, Map<Status.Code, Integer>> seen, List<String> broken) {
    for (FieldDescriptor body : PeerEnvelope.getDescriptor().getOneofs().get(0).getFields()) {
      String kind = java.util.Arrays.stream(body.getName().split("_"))
          .map(w -> Character.toUpperCase(w.charAt(0)) + w.substring(1)).collect(java.util.stream.Collectors.joining());
      String name = "dialkv.v1.peer.Peer/" + kind;
      Message prototype = DynamicMessage.getDefaultInstance(body.getMessageType());
      for (int i = 0; i < PER_METHOD; i++) {
        byte[] payload = switch (i % 3) {
          case 0 -> randomBytes(random);
          case 1 -> mutate(absurd(prototype, random).toByteArray(), random);
          default -> absurd(prototype, random).toByteArray();
        };
        if (dangerous(name, payload)) {
          continue;
        }
        Status status = RawGrpc.peer(channel, kind, payload);
        seen.computeIfAbsent(name, m -> new TreeMap<>()).merge(status.getCode(), 1, Integer::sum);
        if (BROKEN.contains(status.getCode())) {
          broken.add(name + " #" + i + ": " + status);
        }
      }
    }
  }

  /**
   * Requests that would work as designed and wreck the cluster under test: decommissioning a node,
   * and gossip (a member's word about membership is trusted), or that cost a full repair each.
   */
  private static boolean dangerous(String method, byte[] payload) {
    try {
      return switch (method) {
        case "dialkv.v1.Cluster/Decommission" -> DecommissionRequest.parseFrom(payload).getNodeId() <= 3;
        case "dialkv.v1.Cluster/RemoveNode" -> RemoveNodeRequest.parseFrom(payload).getNodeId() <= 3;
        case "dialkv.v1.Cluster/Repair" -> true;
        case "dialkv.v1.peer.Peer/Heartbeat" -> HeartbeatRequest.parseFrom(payload).getMembersCount() > 0;
        default -> false;
      };
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  private static byte[] randomBytes(Random random) {
    byte[] b = new byte[random.nextInt(10) == 0 ? random.nextInt(64 << 10) : random.nextInt(64)];
    random.nextBytes(b);
    return b;
  }

  /** Flips, deletes, inserts or truncates bytes of an encoded message. */
  private static byte[] mutate(byte[] encoded, Random random) {
    List<Byte> bytes = new ArrayList<>();
    for (byte b : encoded) {
      bytes.add(b);
    }
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits && !bytes.isEmpty(); e++) {
      int at = random.nextInt(bytes.size());
      switch (random.nextInt(4)) {
        case 0 -> bytes.set(at, (byte) (bytes.get(at) ^ (1 << random.nextInt(8))));
        case 1 -> bytes.remove(at);
        case 2 -> bytes.add(at, (byte) random.nextInt(256));
        default -> bytes.subList(at, bytes.size()).clear();
      }
    }
    byte[] out = new byte[bytes.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = bytes.get(i);
    }
    return out;
  }

  /** A well-formed message of the type with every field set to something extreme or random. */
  private static Message absurd(Message prototype, Random random) {
    return fill(prototype.newBuilderForType(), random, 0).build();
  }

  private static Message.Builder fill(Message.Builder b, Random random, int depth) {
    for (FieldDescriptor f : b.getDescriptorForType().getFields()) {
      if (random.nextInt(4) == 0) {
        continue;
      }
      // Long lists only at the top: a message's size must stay what a peer or client could send.
      int count = !f.isRepeated() ? 1 : depth == 0 && random.nextInt(8) == 0 ? random.nextInt(2000) : random.nextInt(4);
      for (int i = 0; i < count; i++) {
        Object v = value(f, b, random, depth);
        if (v == null) {
          break;
        }
        if (f.isRepeated()) {
          b.addRepeatedField(f, v);
        } else {
          b.setField(f, v);
        }
      }
    }
    return b;
  }

  private static Object value(FieldDescriptor f, Message.Builder parent, Random random, int depth) {
    long[] extremes = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE,
        4_102_444_800_000L, random.nextLong()};
    long n = extremes[random.nextInt(extremes.length)];
    return switch (f.getJavaType()) {
      case INT -> (int) n;
      case LONG -> n;
      case FLOAT -> random.nextFloat();
      case DOUBLE -> random.nextBoolean() ? Double.NaN : random.nextDouble() * n;
      case BOOLEAN -> random.nextBoolean();
      case STRING -> randomString(random);
      case BYTE_STRING -> ByteString.copyFrom(depth == 0 ? randomBytes(random) : new byte[random.nextInt(300)]);
      case ENUM -> f.getEnumType().getValues().get(random.nextInt(f.getEnumType().getValues().size()));
      case MESSAGE -> depth > 3 ? null : fill(parent.newBuilderForField(f), random, depth + 1).build();
    };
  }

  private static String randomString(Random random) {
    int length = switch (random.nextInt(5)) {
      case 0 -> 0;
      case 1 -> 300;
      case 2 -> random.nextInt(20_000);
      default -> random.nextInt(12);
    };
    StringBuilder s = new StringBuilder();
    String alphabet = "abcxyz/._@-:€\u0000\uD83D\uDE00 ";
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }
}
