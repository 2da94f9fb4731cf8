#!/usr/bin/env bash
# Starts a local dialkv cluster on 127.0.0.1, building first if needed, and waits until every node
# sees every other node up.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
Usage: start-cluster.sh [-n NODES] [-r REPLICATION_FACTOR] [-p BASE_PORT] [--name NAME] [--insecure] [--monitor] [-- NODE_ARGS...]
       start-cluster.sh --add [--name NAME]

Starts NODES dialkv nodes (default 5) on 127.0.0.1 with replication factor REPLICATION_FACTOR
(default 3): client ports BASE_PORT.. (default 7101), peer ports (node-to-node only) 1000 above.
Data, logs and certificates go to .dialkv/NAME/ (default name: local, or \$DIALKV_CLUSTER).
Arguments after -- go to every node (see 'java -jar server/node/target/dialkv-node.jar --help').

Secure by default: the first start makes the cluster's CA, a certificate per node (mutual TLS
between nodes), an admin client certificate (certs/admin, which cluster-scripts/dialkv uses) and a
token per role (tokens/read.token, readwrite.token, admin.token). --insecure starts the nodes
without TLS or authentication: anyone who reaches a port may do anything.

Every node serves Prometheus metrics on its client port + 2000. --monitor also starts a
Prometheus for the cluster (Debian's prometheus package, installed if missing when run as root)
on BASE_PORT + 3000 (http://127.0.0.1:10101 by default), scraping every node each second, with
its data in .dialkv/NAME/prometheus/; stop-cluster.sh stops it.

--add adds one node to the running cluster (the same as add-node.sh): it joins, streams the
ranges it takes over, and serves once it has them.
USAGE
}

n=5; rf=3; base=7101; extra=(); insecure=0; monitor=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--nodes) n="$2"; shift 2 ;;
    -r|--replication-factor) rf="$2"; shift 2 ;;
    -p|--base-port) base="$2"; shift 2 ;;
    --name) CLUSTER_NAME="$2"; CLUSTER_DIR="$ROOT/.dialkv/$2"; export DIALKV_CLUSTER="$2"; shift 2 ;;
    --add) shift; exec "$(dirname "$0")/add-node.sh" "$@" ;;
    --insecure) insecure=1; shift ;;
    --monitor) monitor=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || die "-n must be a positive number, got '$n'"
[[ "$rf" =~ ^[0-9]+$ ]] && [ "$rf" -ge 1 ] || die "-r must be a positive number, got '$rf'"
[ "$rf" -le "$n" ] || die "replication factor $rf needs at least $rf nodes; -n is $n"

if [ -d "$CLUSTER_DIR/pids" ]; then
  for f in "$CLUSTER_DIR"/pids/n*.pid; do
    [ -e "$f" ] || continue
    id="$(basename "$f" .pid)"; id="${id#n}"
    if is_running "$id"; then
      die "cluster '$CLUSTER_NAME' is already running (.dialkv/$CLUSTER_NAME); stop it with cluster-scripts/stop-cluster.sh"
    fi
  done
fi
for i in $(seq 1 "$n"); do
  for port in $((base + i - 1)) $((base + i - 1 + PEER_PORT_OFFSET)); do
    if port_in_use "$port"; then
      die "port $port is taken by another process; choose other ports with -p"
    fi
  done
done

if [ "$monitor" = 1 ]; then
  port_in_use $((base + MONITOR_PORT_OFFSET)) && die "port $((base + MONITOR_PORT_OFFSET)) for Prometheus is taken by another process; choose other ports with -p"
  ensure_prometheus
fi
ensure_built

peers=""; endpoints=""; peer_endpoints=""
for i in $(seq 1 "$n"); do
  peers="${peers:+$peers,}$i=127.0.0.1:$((base + i - 1 + PEER_PORT_OFFSET))"
  endpoints="${endpoints:+$endpoints,}127.0.0.1:$((base + i - 1))"
  peer_endpoints="${peer_endpoints:+$peer_endpoints,}127.0.0.1:$((base + i - 1 + PEER_PORT_OFFSET))"
done
if [ -f "$CLUSTER_DIR/cluster.env" ]; then
  # A cluster started before: keep how it was made (its certificates, its security).
  prev_insecure="$(sed -n 's/^INSECURE=//p' "$CLUSTER_DIR/cluster.env")"
  if [ -n "$prev_insecure" ] && [ "$prev_insecure" != "$insecure" ]; then
    die "cluster '$CLUSTER_NAME' was made $( [ "$prev_insecure" = 1 ] && echo --insecure || echo secure ); start it the same way, or stop-cluster.sh --wipe it first"
  fi
fi
mkdir -p "$CLUSTER_DIR"
cat >"$CLUSTER_DIR/cluster.env" <<ENV
NODES=$n
INITIAL_NODES=$n
RF=$rf
BASE_PORT=$base
PEERS=$peers
ENDPOINTS=$endpoints
PEER_ENDPOINTS=$peer_endpoints
INSECURE=$insecure
NODE_ARGS="${extra[*]:-}"
ENV
load_cluster
ensure_cluster_certs
if [ "$insecure" = 1 ]; then
  echo "WARNING: --insecure: no TLS, no authentication; anyone who can reach a port may do anything" >&2
fi
for i in $(seq 1 "$n"); do
  start_node "$i"
done

echo "waiting for all nodes to see each other..."
if ! DIALKV_ENDPOINTS="$ENDPOINTS" "$ROOT/cluster-scripts/dialkv" cluster wait --wait-ms 90000 >/dev/null; then
  echo "the cluster did not become healthy; see .dialkv/$CLUSTER_NAME/logs/" >&2
  exit 3
fi
echo "cluster '$CLUSTER_NAME' is up: $n nodes, replication factor $rf"
echo "endpoints: $ENDPOINTS"
if [ "$monitor" = 1 ]; then
  start_monitor
fi
