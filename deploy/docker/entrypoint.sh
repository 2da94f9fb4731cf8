#!/usr/bin/env bash
# Starts one dialkv node in a StatefulSet pod. Everything a node needs is derived from the pod:
#   - its node id from the pod's ordinal (dialkv-0 is n1, dialkv-1 is n2, ...), stable across
#     restarts and rescheduling, as its PersistentVolumeClaim is;
#   - its peers by DNS name through the headless Service (dialkv-0.dialkv-peers:8001, ...): the
#     first DIALKV_INITIAL_MEMBERS pods form the cluster, any later pod joins it;
#   - the address it advertises, its own pod name under that Service;
#   - its TLS files from the mounted Secret (ca.crt and, per node, nN.crt / nN.key).
# Environment (defaults in brackets): POD_NAME [hostname], DIALKV_PEER_DOMAIN [dialkv-peers],
# DIALKV_INITIAL_MEMBERS [3], DIALKV_CLIENT_PORT [7001], DIALKV_PEER_PORT [8001],
# DIALKV_METRICS_PORT [9001], DIALKV_DATA_DIR [/var/lib/dialkv], DIALKV_SECRETS_DIR
# [/etc/dialkv/tls], DIALKV_TOKENS_FILE [/etc/dialkv/tokens/tokens.txt], DIALKV_NODE_JAR
# [/opt/dialkv/dialkv-node.jar], JAVA_OPTS, and extra node flags as arguments.
set -euo pipefail

die() { echo "error: $*" >&2; exit 2; }

pod="${POD_NAME:-$(hostname)}"
ordinal="${pod##*-}"
[[ "$ordinal" =~ ^[0-9]+$ ]] || die "pod name '$pod' does not end in -<ordinal>: run in a StatefulSet, or set POD_NAME"
set_name="${pod%-*}"
id=$((ordinal + 1))
domain="${DIALKV_PEER_DOMAIN:-dialkv-peers}"
initial="${DIALKV_INITIAL_MEMBERS:-3}"
[[ "$initial" =~ ^[1-9][0-9]*$ ]] || die "DIALKV_INITIAL_MEMBERS must be a positive number, not '$initial'"
client_port="${DIALKV_CLIENT_PORT:-7001}"
peer_port="${DIALKV_PEER_PORT:-8001}"
metrics_port="${DIALKV_METRICS_PORT:-9001}"
data="${DIALKV_DATA_DIR:-/var/lib/dialkv}"
secrets="${DIALKV_SECRETS_DIR:-/etc/dialkv/tls}"
tokens="${DIALKV_TOKENS_FILE:-/etc/dialkv/tokens/tokens.txt}"
jar="${DIALKV_NODE_JAR:-/opt/dialkv/dialkv-node.jar}"

host_of() { echo "$set_name-$1.$domain"; }
me="$(host_of "$ordinal")"

# A Secret's files are read-only symlinks; the node wants its own folder of ca.crt, node.crt and
# node.key, which it rereads when they change. Copy this node's pair there on every start, so a
# rotated Secret takes effect at the next restart.
[ -f "$secrets/ca.crt" ] || die "$secrets/ca.crt missing: mount the dialkv-tls Secret (deploy/kubernetes/make-secrets.sh makes it)"
[ -f "$secrets/n$id.crt" ] && [ -f "$secrets/n$id.key" ] \
  || die "$secrets has no n$id.crt / n$id.key for $pod (node n$id): make the Secret with -n $id or more"
certs="$data/certs"
mkdir -p "$certs"
cp "$secrets/ca.crt" "$certs/ca.crt"
cp "$secrets/n$id.crt" "$certs/node.crt"
(umask 077; cp "$secrets/n$id.key" "$certs/node.key")

args=(--node-id "$id" --data-dir "$data/rocksdb" --certs-dir "$certs"
  --listen "0.0.0.0:$client_port" --advertise "$me:$client_port"
  --peer-listen "0.0.0.0:$peer_port" --peer-advertise "$me:$peer_port"
  --metrics-listen "0.0.0.0:$metrics_port")
[ -f "$tokens" ] && args+=(--tokens-file "$tokens")
if [ "$ordinal" -lt "$initial" ]; then
  peers=""
  for ((o = 0; o < initial; o++)); do
    peers+="${peers:+,}$((o + 1))=$(host_of "$o"):$peer_port"
  done
  args+=(--peers "$peers")
else
  seeds=""
  for ((o = 0; o < initial; o++)); do
    seeds+="${seeds:+,}$(host_of "$o"):$peer_port"
  done
  args+=(--join "$seeds")
fi
echo "dialkv: $pod is n$id, advertising $me" >&2
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -jar "$jar" "${args[@]}" "$@"
