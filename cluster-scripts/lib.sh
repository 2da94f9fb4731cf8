# Shared by the cluster scripts: where things are, building on demand, and node bookkeeping.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER_NAME="${DIALKV_CLUSTER:-local}"
CLUSTER_DIR="$ROOT/.dialkv/$CLUSTER_NAME"
NODE_JAR="$ROOT/server/node/target/dialkv-node.jar"
CLI_JAR="$ROOT/cli/target/dialkv-cli.jar"
NODE_JAVA_OPTS="${DIALKV_NODE_JAVA_OPTS:--Xms256m -Xmx768m -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError}"

die() { echo "error: $*" >&2; exit 2; }

need_java() {
  command -v java >/dev/null 2>&1 || die "java not found; install a JDK 17 or newer"
}

# Builds the jars if they are missing or older than any source file.
ensure_built() {
  need_java
  local stale=0
  for jar in "$NODE_JAR" "$CLI_JAR"; do
    [ -f "$jar" ] || stale=1
  done
  if [ "$stale" = 0 ]; then
    if [ -n "$(find "$ROOT/proto/src" "$ROOT/server" "$ROOT/checker/src/main" "$ROOT/client/src" "$ROOT/harness/src" "$ROOT/cli/src" -newer "$NODE_JAR" -type f \
          \( -name '*.java' -o -name '*.proto' -o -name 'pom.xml' -o -name '*.xml' \) \
          -not -path '*/target/*' -print -quit 2>/dev/null)" ]; then
      stale=1
    fi
  fi
  if [ "$stale" = 1 ]; then
    echo "building dialkv (first run takes a few minutes)..." >&2
    (cd "$ROOT" && ./mvnw -B -q -DskipTests -pl server/node,cli -am package) >&2 \
      || die "build failed; run ./mvnw -B -DskipTests package to see why"
  fi
}

load_cluster() {
  [ -f "$CLUSTER_DIR/cluster.env" ] || die "no cluster '$CLUSTER_NAME' (start one with cluster-scripts/start-cluster.sh)"
  # shellcheck disable=SC1091
  . "$CLUSTER_DIR/cluster.env"
}

pid_file() { echo "$CLUSTER_DIR/pids/n$1.pid"; }

node_pid() {
  local f; f="$(pid_file "$1")"
  [ -f "$f" ] && cat "$f"
}

is_running() {
  local pid; pid="$(node_pid "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

node_port() { echo $((BASE_PORT + $1 - 1)); }

start_node() {
  local id="$1"
  if is_running "$id"; then
    echo "n$id is already running (pid $(node_pid "$id"))"
    return 0
  fi
  local port; port="$(node_port "$id")"
  if port_in_use "$port"; then
    die "port $port for n$id is taken by another process"
  fi
  mkdir -p "$CLUSTER_DIR/pids" "$CLUSTER_DIR/logs" "$CLUSTER_DIR/data"
  # Nodes added after the cluster started join through the first ones (they learn the rest).
  local membership=(--peers "$PEERS" --replication-factor "$RF")
  if [ "$id" -gt "${INITIAL_NODES:-$NODES}" ]; then
    membership=(--join "$ENDPOINTS")
  fi
  # shellcheck disable=SC2086
  nohup java $NODE_JAVA_OPTS -jar "$NODE_JAR" \
    --node-id "$id" \
    --listen "127.0.0.1:$port" \
    "${membership[@]}" \
    --data-dir "$CLUSTER_DIR/data/n$id" \
    $NODE_ARGS \
    >>"$CLUSTER_DIR/logs/n$id.log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$id")"
  echo "n$id started (pid $!, 127.0.0.1:$port, log .dialkv/$CLUSTER_NAME/logs/n$id.log)"
}

wait_gone() {
  local pid="$1" tries="${2:-100}"
  while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do
    sleep 0.1
    tries=$((tries - 1))
  done
  ! kill -0 "$pid" 2>/dev/null
}

stop_node() {
  local id="$1" pid
  pid="$(node_pid "$id")"
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "n$id is not running"
    rm -f "$(pid_file "$id")"
    return 0
  fi
  kill -CONT "$pid" 2>/dev/null || true # a paused node cannot handle SIGTERM
  kill -TERM "$pid"
  if ! wait_gone "$pid" 150; then
    echo "n$id did not stop within 15 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 50 || true
  fi
  rm -f "$(pid_file "$id")"
  echo "n$id stopped"
}

kill_node() {
  local id="$1" pid
  pid="$(node_pid "$id")"
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "n$id is not running"
    return 0
  fi
  kill -KILL "$pid"
  wait_gone "$pid" 50 || true
  rm -f "$(pid_file "$id")"
  echo "n$id killed (SIGKILL)"
}
