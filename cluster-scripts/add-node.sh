#!/usr/bin/env bash
# Adds one node to the running local cluster and waits until it has joined: it learns the members
# from the running nodes, streams the ranges its tokens give it, and only then serves them.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
Usage: add-node.sh [--name NAME] [--wait-s SECONDS]

Starts node NODES+1 of the running cluster (.dialkv/NAME, default: local) on the next port, with
--join through the cluster's first nodes, and waits (default up to 600 s) until it is a normal
member. Then 'cluster-scripts/dialkv cluster status' shows the new ring shares. To take a node
out again: cluster-scripts/dialkv node decommission N.
USAGE
}

wait_s=600
while [ $# -gt 0 ]; do
  case "$1" in
    --name) CLUSTER_NAME="$2"; CLUSTER_DIR="$ROOT/.dialkv/$2"; export DIALKV_CLUSTER="$2"; shift 2 ;;
    --wait-s) wait_s="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
load_cluster
ensure_built

id=$((NODES + 1))
port="$(node_port "$id")"
port_in_use "$port" && die "port $port for n$id is taken by another process"
port_in_use "$(node_peer_port "$id")" && die "port $(node_peer_port "$id") for n$id is taken by another process"
grep -q '^PEER_ENDPOINTS=' "$CLUSTER_DIR/cluster.env" || die "cluster '$CLUSTER_NAME' was made by an older version; stop-cluster.sh --wipe it and start it again"
grep -q '^INITIAL_NODES=' "$CLUSTER_DIR/cluster.env" || echo "INITIAL_NODES=$NODES" >>"$CLUSTER_DIR/cluster.env"
sed -i "s/^NODES=.*/NODES=$id/" "$CLUSTER_DIR/cluster.env"
load_cluster
start_node "$id"
write_monitor_targets # Prometheus, if the cluster has one, scrapes it too

echo "waiting for n$id to join (streaming the ranges it takes over)..."
deadline=$((SECONDS + wait_s))
while :; do
  if ! is_running "$id"; then
    echo "n$id stopped; its log says:" >&2
    tail -n 5 "$CLUSTER_DIR/logs/n$id.log" >&2
    # It never became a member: the next add-node.sh may use its id again.
    sed -i "s/^NODES=.*/NODES=$((id - 1))/" "$CLUSTER_DIR/cluster.env"
    exit 1
  fi
  status="$(DIALKV_ENDPOINTS="127.0.0.1:$port" "$ROOT/cluster-scripts/dialkv" cluster status --direct -o json 2>/dev/null || true)"
  if echo "$status" | grep -q '"answered_by_node_id": '"$id"',' && ! echo "$status" | grep -q 'NODE_STATE_JOINING'; then
    break
  fi
  [ "$SECONDS" -lt "$deadline" ] || die "n$id did not finish joining within $wait_s s; see .dialkv/$CLUSTER_NAME/logs/n$id.log"
  sleep 1
done
echo "n$id joined (127.0.0.1:$port)"
DIALKV_ENDPOINTS="$ENDPOINTS" "$ROOT/cluster-scripts/dialkv" cluster status
