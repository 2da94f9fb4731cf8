#!/usr/bin/env bash
# Starts a local dialkv cluster on 127.0.0.1, building first if needed, and waits until every node
# sees every other node up.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
Usage: start-cluster.sh [-n NODES] [-r REPLICATION_FACTOR] [-p BASE_PORT] [--name NAME] [-- NODE_ARGS...]
       start-cluster.sh --add [--name NAME]

Starts NODES dialkv nodes (default 5) on 127.0.0.1 ports BASE_PORT.. (default 7101) with
replication factor REPLICATION_FACTOR (default 3). Data and logs go to .dialkv/NAME/ (default
name: local, or \$DIALKV_CLUSTER). Arguments after -- go to every node (see
'java -jar server/node/target/dialkv-node.jar --help').

--add adds one node to the running cluster (the same as add-node.sh): it joins, streams the
ranges it takes over, and serves once it has them.
USAGE
}

n=5; rf=3; base=7101; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--nodes) n="$2"; shift 2 ;;
    -r|--replication-factor) rf="$2"; shift 2 ;;
    -p|--base-port) base="$2"; shift 2 ;;
    --name) CLUSTER_NAME="$2"; CLUSTER_DIR="$ROOT/.dialkv/$2"; export DIALKV_CLUSTER="$2"; shift 2 ;;
    --add) shift; exec "$(dirname "$0")/add-node.sh" "$@" ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || die "-n must be a positive number, got '$n'"
[[ "$rf" =~ ^[0-9]+$ ]] && [ "$rf" -ge 1 ] || die "-r must be a positive number, got '$rf'"
[ "$rf" -le "$n" ] || die "replication factor $rf needs at least $rf nodes; -n is $n"

if [ -d "$CLUSTER_DIR/pids" ]; then
  for f in "$CLUSTER_DIR"/pids/*.pid; do
    [ -e "$f" ] || continue
    if kill -0 "$(cat "$f")" 2>/dev/null; then
      die "cluster '$CLUSTER_NAME' is already running (.dialkv/$CLUSTER_NAME); stop it with cluster-scripts/stop-cluster.sh"
    fi
  done
fi
for i in $(seq 1 "$n"); do
  port=$((base + i - 1))
  if port_in_use "$port"; then
    die "port $port is taken by another process; choose other ports with -p"
  fi
done

ensure_built

peers=""; endpoints=""
for i in $(seq 1 "$n"); do
  peers="${peers:+$peers,}$i=127.0.0.1:$((base + i - 1))"
  endpoints="${endpoints:+$endpoints,}127.0.0.1:$((base + i - 1))"
done
mkdir -p "$CLUSTER_DIR"
cat >"$CLUSTER_DIR/cluster.env" <<ENV
NODES=$n
INITIAL_NODES=$n
RF=$rf
BASE_PORT=$base
PEERS=$peers
ENDPOINTS=$endpoints
NODE_ARGS="${extra[*]:-}"
ENV
load_cluster
for i in $(seq 1 "$n"); do
  start_node "$i"
done

echo "waiting for all nodes to see each other..."
if ! DIALKV_ENDPOINTS="$ENDPOINTS" "$ROOT/cluster-scripts/dialkv" cluster wait --wait-ms 90000; then
  echo "the cluster did not become healthy; see .dialkv/$CLUSTER_NAME/logs/" >&2
  exit 3
fi
echo "cluster '$CLUSTER_NAME' is up: $n nodes, replication factor $rf"
echo "endpoints: $ENDPOINTS"
