#!/usr/bin/env bash
# Runs the partition test (dialkv test) against a fresh cluster of node processes, building first
# if needed. Reports go to .dialkv/tests/<nemesis>-<time>/ unless --out says otherwise.
#   ./cluster-scripts/partition-test.sh --levels ONE,QUORUM,ALL --nemesis partition-halves --time 60
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_built
export DIALKV_NODE_JAR="$NODE_JAR"
args=("$@")
if [[ " $* " != *" --out "* ]] && [[ " $* " != *" -h "* ]] && [[ " $* " != *" --help "* ]]; then
  nemesis=partition-halves
  for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[$i]}" = --nemesis ] && nemesis="${args[$((i + 1))]:-$nemesis}"
  done
  args+=(--out "$ROOT/.dialkv/tests/$nemesis-$(date +%Y%m%d-%H%M%S)")
fi
exec java -Xmx2g -jar "$CLI_JAR" test "${args[@]}"
