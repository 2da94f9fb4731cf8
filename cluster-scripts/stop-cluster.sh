#!/usr/bin/env bash
# Stops every node of the local cluster gracefully (SIGTERM, then SIGKILL after 15 s), and its
# Prometheus if --monitor started one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

wipe=0
while [ $# -gt 0 ]; do
  case "$1" in
    --wipe) wipe=1; shift ;;
    --name) CLUSTER_NAME="$2"; CLUSTER_DIR="$ROOT/.dialkv/$2"; shift 2 ;;
    -h|--help) echo "Usage: stop-cluster.sh [--name NAME] [--wipe]   (--wipe also deletes data and logs)"; exit 0 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
load_cluster
# Every node in turn, whatever happened to the ones before it (killed, never started, stuck).
status=0
stop_monitor || status=1
for i in $(seq 1 "$NODES"); do
  stop_node "$i" || status=1
done
if [ "$wipe" = 1 ]; then
  for i in $(seq 1 "$NODES"); do
    if is_running "$i"; then
      die "n$i (pid $(node_pid "$i")) is still running; not wiping .dialkv/$CLUSTER_NAME"
    fi
  done
  rm -rf "$CLUSTER_DIR"
  echo "removed .dialkv/$CLUSTER_NAME"
fi
exit "$status"
