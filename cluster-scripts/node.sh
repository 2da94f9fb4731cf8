#!/usr/bin/env bash
# Controls one node of the local cluster.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
Usage: node.sh stop|start|kill|pause|resume|status N

  stop    graceful stop (SIGTERM)          kill    crash it (SIGKILL); data survives
  start   start it again on its data       pause   freeze it (SIGSTOP)
  resume  unfreeze it (SIGCONT)            status  running, paused or stopped
USAGE
}

[ $# -eq 2 ] || { usage >&2; exit 2; }
action="$1"; id="$2"
load_cluster
[[ "$id" =~ ^[0-9]+$ ]] && [ "$id" -ge 1 ] && [ "$id" -le "$NODES" ] || die "no node $id; nodes are 1..$NODES"

case "$action" in
  start) ensure_built; start_node "$id" ;;
  stop) stop_node "$id" ;;
  kill) kill_node "$id" ;;
  pause)
    is_running "$id" || die "n$id is not running"
    kill -STOP "$(node_pid "$id")"; echo "n$id paused (SIGSTOP)" ;;
  resume)
    is_running "$id" || die "n$id is not running"
    kill -CONT "$(node_pid "$id")"; echo "n$id resumed (SIGCONT)" ;;
  status)
    if ! is_running "$id"; then echo "n$id stopped"
    elif [ "$(ps -o stat= -p "$(node_pid "$id")" | cut -c1)" = "T" ]; then echo "n$id paused (pid $(node_pid "$id"))"
    else echo "n$id running (pid $(node_pid "$id"), port $(node_port "$id"))"; fi ;;
  -h|--help) usage ;;
  *) usage >&2; exit 2 ;;
esac
