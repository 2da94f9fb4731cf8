#!/usr/bin/env bash
# Shows each node's process state and the cluster as the nodes see it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_cluster
for i in $(seq 1 "$NODES"); do
  "$ROOT/cluster-scripts/node.sh" status "$i"
done
echo
DIALKV_ENDPOINTS="${DIALKV_ENDPOINTS:-$ENDPOINTS}" exec "$ROOT/cluster-scripts/dialkv" cluster status
