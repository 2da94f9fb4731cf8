#!/usr/bin/env bash
# Runs a scaling experiment (dialkv lab) on emulated machines: each node in its own network
# namespace with its own CPU and memory cap, building first if needed. Linux and root only.
# Results go to .dialkv/lab/<experiment>-<time>/ (results.json, report.html) unless --out says
# otherwise.
#   sudo ./cluster-scripts/lab.sh scale-out
#   sudo ./cluster-scripts/lab.sh influx --seconds 10
#   ./cluster-scripts/lab.sh --help
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_built
export DIALKV_NODE_JAR="$NODE_JAR" DIALKV_CLI_JAR="$CLI_JAR"
args=("$@")
if [ $# -gt 0 ] && [[ " $* " != *" --out "* ]] && [[ " $* " != *" -h "* ]] && [[ " $* " != *" --help "* ]]; then
  args+=(--out "$ROOT/.dialkv/lab/$1-$(date +%Y%m%d-%H%M%S)")
fi
exec java -Xmx1g -jar "$CLI_JAR" lab "${args[@]}"
