# Shared by the cluster scripts: where things are, building on demand, and node bookkeeping.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER_NAME="${DIALKV_CLUSTER:-local}"
CLUSTER_DIR="$ROOT/.dialkv/$CLUSTER_NAME"
NODE_JAR="$ROOT/server/node/target/dialkv-node.jar"
CLI_JAR="$ROOT/cli/target/dialkv-cli.jar"
NODE_JAVA_OPTS="${DIALKV_NODE_JAVA_OPTS:--Xms256m -Xmx768m -XX:MaxDirectMemorySize=256m -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError}"
# A node's peer port (node-to-node traffic only) is its client port + 1000.
PEER_PORT_OFFSET=1000
# Its metrics port (Prometheus text at /metrics; HTTPS with a token unless --insecure) is its
# client port + 2000.
METRICS_PORT_OFFSET=2000

die() { echo "error: $*" >&2; exit 2; }

need_java() {
  command -v java >/dev/null 2>&1 || die "java not found; install a JDK 17 or newer"
}

# Builds the jars if they are missing or older than any source file (DIALKV_SKIP_BUILD=1: only
# check that they exist, as the build's own tests of these scripts do).
ensure_built() {
  need_java
  if [ "${DIALKV_SKIP_BUILD:-0}" = 1 ]; then
    [ -f "$NODE_JAR" ] && [ -f "$CLI_JAR" ] || die "$NODE_JAR or $CLI_JAR missing; build with ./mvnw -B -DskipTests package"
    return 0
  fi
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

# The pid a node was started with, or nothing (never fails: callers run under set -e).
node_pid() {
  local f; f="$(pid_file "$1")"
  if [ -f "$f" ]; then cat "$f"; fi
  return 0
}

# Whether node N runs: its pid is alive and is still a dialkv node (not a pid reused since).
is_running() {
  local pid; pid="$(node_pid "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ps -o args= -p "$pid" 2>/dev/null | grep -q "dialkv-node"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

node_port() { echo $((BASE_PORT + $1 - 1)); }
node_peer_port() { echo $((BASE_PORT + $1 - 1 + PEER_PORT_OFFSET)); }
node_metrics_port() { echo $((BASE_PORT + $1 - 1 + METRICS_PORT_OFFSET)); }
# Prometheus of --monitor: its own port, 3000 above the base client port (10101 by default).
MONITOR_PORT_OFFSET=3000
monitor_port() { echo $((BASE_PORT + MONITOR_PORT_OFFSET)); }
monitor_dir() { echo "$CLUSTER_DIR/prometheus"; }

# Whether the cluster's Prometheus runs (its pid alive and still a prometheus).
monitor_running() {
  local f pid; f="$(monitor_dir)/prometheus.pid"
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ps -o args= -p "$pid" 2>/dev/null | grep -q "prometheus"
}

# Debian's prometheus, installed when missing if we are root; otherwise a message saying how.
ensure_prometheus() {
  command -v prometheus >/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then
    die "--monitor needs Prometheus; install it (Debian/Ubuntu: sudo apt-get install prometheus) and run again"
  fi
  echo "installing Debian's prometheus package..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 \
    || { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1; } \
    || die "could not install prometheus with apt-get; install it and run again"
  # The package may start a system-wide service; this cluster runs its own, in its own folder.
  command -v prometheus >/dev/null || die "prometheus was installed but is not on PATH"
}

# Which nodes Prometheus scrapes: a file it watches, so nodes added later are scraped too.
write_monitor_targets() {
  local dir i targets=""
  dir="$(monitor_dir)"
  [ -d "$dir" ] || return 0
  for i in $(seq 1 "$NODES"); do
    targets="${targets:+$targets,}{\"targets\":[\"127.0.0.1:$(node_metrics_port "$i")\"],\"labels\":{\"node\":\"n$i\"}}"
  done
  echo "[$targets]" >"$dir/targets.json.tmp" && mv "$dir/targets.json.tmp" "$dir/targets.json"
}

start_monitor() {
  local dir port scheme tls_lines pid
  ensure_prometheus
  dir="$(monitor_dir)"; port="$(monitor_port)"
  if monitor_running; then
    echo "prometheus already runs for cluster '$CLUSTER_NAME' (http://127.0.0.1:$port)"
    return 0
  fi
  port_in_use "$port" && die "port $port for Prometheus is taken by another process; choose other ports with -p"
  mkdir -p "$dir/data"
  write_monitor_targets
  scheme=http; tls_lines=""
  if [ "${INSECURE:-0}" != 1 ]; then
    # The metrics ports are HTTPS behind the cluster's CA, read with the read-only token.
    scheme=https
    tls_lines="    tls_config:
      ca_file: $CLUSTER_DIR/certs/ca-only/ca.crt
    authorization:
      credentials_file: $CLUSTER_DIR/tokens/read.token"
  fi
  cat >"$dir/prometheus.yml" <<YAML
# Written by start-cluster.sh --monitor for cluster '$CLUSTER_NAME'.
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: dialkv
    scheme: $scheme
$tls_lines
    file_sd_configs:
      - files: ['$dir/targets.json']
        refresh_interval: 5s
YAML
  nohup prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --storage.tsdb.retention.time=1d --web.listen-address="127.0.0.1:$port" \
    >"$dir/prometheus.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/prometheus.pid"
  for _ in $(seq 1 100); do
    if monitor_ready "$port"; then
      echo "prometheus started (pid $pid): http://127.0.0.1:$port, scraping every node each second (log .dialkv/$CLUSTER_NAME/prometheus/prometheus.log)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { tail -n 5 "$dir/prometheus.log" >&2; die "prometheus did not start"; }
    sleep 0.2
  done
  die "prometheus did not become ready within 20 s; see .dialkv/$CLUSTER_NAME/prometheus/prometheus.log"
}

# Whether Prometheus on PORT answers 200 on /-/ready (plain bash: no curl needed).
monitor_ready() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /-/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 \
    && head -n 1 <&3 | grep -q ' 200') 2>/dev/null
}

stop_monitor() {
  local f pid; f="$(monitor_dir)/prometheus.pid"
  if monitor_running; then
    pid="$(cat "$f")"
    kill -TERM "$pid"
    wait_gone "$pid" 100 || kill -KILL "$pid" 2>/dev/null || true
    echo "prometheus stopped"
  fi
  rm -f "$f"
}

# A one-shot CLI command starts fast rather than optimises: the quick JIT tier, the serial GC,
# and class data sharing from an archive of the classes a command loads. The first successful
# networked command after a build writes that archive next to the jar (a JVM start then maps the
# classes instead of loading and verifying them, about 0.4 s less per command).
CLI_ARCHIVE="${CLI_JAR%.jar}.jsa"
CLI_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off)

# True if the class archive belongs to the jar as it is now.
cli_archive_fresh() {
  [ -s "$CLI_ARCHIVE" ] && [ "$CLI_ARCHIVE" -nt "$CLI_JAR" ]
}

# Whether a command's run is worth archiving: it must talk to the cluster (so the archive holds
# the gRPC, TLS and netty classes), and not just print help.
cli_trains_archive() {
  case "${1:-}" in
    get|put|delete|cas|profile|cluster|hints|balancer|repair|node) ;;
    *) return 1 ;;
  esac
  local arg
  for arg in "$@"; do
    case "$arg" in -h|--help) return 1 ;; esac
  done
}

# The CLI, for the scripts' own use (certificates, cluster status) and the dialkv wrapper.
cli() {
  if cli_archive_fresh; then
    # shellcheck disable=SC2086
    java "${CLI_OPTS[@]}" -XX:SharedArchiveFile="$CLI_ARCHIVE" ${DIALKV_CLI_JAVA_OPTS:-} -jar "$CLI_JAR" "$@"
    return
  fi
  if ! cli_trains_archive "$@"; then
    # shellcheck disable=SC2086
    java "${CLI_OPTS[@]}" ${DIALKV_CLI_JAVA_OPTS:-} -jar "$CLI_JAR" "$@"
    return
  fi
  # Written under a name of this process's own, then renamed: two first runs cannot mix.
  local tmp="$CLI_ARCHIVE.$$.tmp" rc=0
  # shellcheck disable=SC2086
  java "${CLI_OPTS[@]}" -XX:ArchiveClassesAtExit="$tmp" ${DIALKV_CLI_JAVA_OPTS:-} -jar "$CLI_JAR" "$@" || rc=$?
  if [ "$rc" = 0 ] && [ -s "$tmp" ]; then
    mv -f "$tmp" "$CLI_ARCHIVE"
  else
    rm -f "$tmp"
  fi
  return "$rc"
}

# The cluster's CA, an admin client certificate, a CA-only folder for token clients, and one
# token per role (tokens/<role>.token), unless the cluster runs --insecure or has them already.
ensure_cluster_certs() {
  [ "${INSECURE:-0}" = 1 ] && return 0
  local certs="$CLUSTER_DIR/certs"
  if [ ! -f "$certs/ca/ca.crt" ]; then
    cli certs init --ca-dir "$certs/ca" --cluster "$CLUSTER_NAME" >/dev/null
    cli certs client --ca-dir "$certs/ca" --name admin --role admin --out "$certs/admin" >/dev/null
    mkdir -p "$certs/ca-only" && cp "$certs/ca/ca.crt" "$certs/ca-only/ca.crt"
    local role
    for role in read readwrite admin; do
      cli token create --name "$role-user" --role "$role" --tokens-file "$CLUSTER_DIR/tokens.txt" \
        --out "$CLUSTER_DIR/tokens/$role.token" >/dev/null
    done
    echo "made the cluster's CA and client credentials in .dialkv/$CLUSTER_NAME/certs (admin: certs/admin; tokens: tokens/)"
  fi
}

# Node N's certificate, issued when missing.
ensure_node_cert() {
  [ "${INSECURE:-0}" = 1 ] && return 0
  local dir="$CLUSTER_DIR/certs/n$1"
  [ -f "$dir/node.crt" ] || cli certs node --ca-dir "$CLUSTER_DIR/certs/ca" --id "$1" --out "$dir" >/dev/null
}

security_args() {
  if [ "${INSECURE:-0}" = 1 ]; then
    echo "--insecure"
  else
    echo "--certs-dir $CLUSTER_DIR/certs/n$1 --tokens-file $CLUSTER_DIR/tokens.txt"
  fi
}

start_node() {
  local id="$1"
  if is_running "$id"; then
    echo "n$id is already running (pid $(node_pid "$id"))"
    return 0
  fi
  local port; port="$(node_port "$id")"
  local peer_port; peer_port="$(node_peer_port "$id")"
  local metrics_port; metrics_port="$(node_metrics_port "$id")"
  for p in "$port" "$peer_port" "$metrics_port"; do
    if port_in_use "$p"; then
      die "port $p for n$id is taken by another process"
    fi
  done
  mkdir -p "$CLUSTER_DIR/pids" "$CLUSTER_DIR/logs" "$CLUSTER_DIR/data"
  ensure_node_cert "$id"
  # Nodes added after the cluster started join through the first ones' peer ports.
  local membership=(--peers "$PEERS" --replication-factor "$RF")
  if [ "$id" -gt "${INITIAL_NODES:-$NODES}" ]; then
    membership=(--join "$PEER_ENDPOINTS")
  fi
  # shellcheck disable=SC2086,SC2046
  nohup java $NODE_JAVA_OPTS -jar "$NODE_JAR" \
    --node-id "$id" \
    --listen "127.0.0.1:$port" \
    --peer-listen "127.0.0.1:$peer_port" \
    --metrics-listen "127.0.0.1:$metrics_port" \
    "${membership[@]}" \
    --data-dir "$CLUSTER_DIR/data/n$id" \
    $(security_args "$id") \
    $NODE_ARGS \
    >>"$CLUSTER_DIR/logs/n$id.log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$id")"
  echo "n$id started (pid $!, clients 127.0.0.1:$port, peers 127.0.0.1:$peer_port, metrics 127.0.0.1:$metrics_port, log .dialkv/$CLUSTER_NAME/logs/n$id.log)"
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
  if ! is_running "$id"; then
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
  if ! is_running "$id"; then
    echo "n$id is not running"
    return 0
  fi
  kill -KILL "$pid"
  wait_gone "$pid" 50 || true
  rm -f "$(pid_file "$id")"
  echo "n$id killed (SIGKILL)"
}
