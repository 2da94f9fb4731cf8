#!/usr/bin/env bash
# The race: dialkv against etcd and Apache Cassandra on this machine, the same workload for each,
# in one run, every figure as a ratio to E (a bare gRPC echo between two JVMs, measured first).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
  cat <<USAGE
Usage: bench/race.sh [--stores echo,dialkv,etcd,cassandra] [--sync-writes off|on|both]
                     [--seconds S] [--warmup-seconds S] [--keys N] [--out DIR]

Runs each store in turn on 127.0.0.1 (3 nodes, replication factor 3; etcd: 3 members) and drives it
with the same closed loop: 64 requests in flight, --keys keys (default 100000) preloaded, 200-byte
values, --warmup-seconds (default 20) of unmeasured load, then --seconds (default 20) measured,
for each of: write and read at QUORUM, read at ONE, LINEARIZABLE write and read, and a
compare-and-set that inserts a fresh key. A store runs only the operations it has.

  echo       a bare gRPC-java unary echo (E), plaintext, the ceiling for one request/response
  dialkv     the local build, TLS on, through 'dialkv bench'
  etcd       Debian's etcd-server (installed when missing and run as root), plaintext
  cassandra  org.apache.cassandra:cassandra-all from Maven Central (fetched once), plaintext

--sync-writes: dialkv without it (off, the default of a node), with it (on), or both (the
default here): then the writes are run a second time on a cluster started with --sync-writes.
The results go to DIR (default .dialkv/race-DATE): results.jsonl, table.md and every store's logs.
USAGE
}

stores="echo,dialkv,etcd,cassandra"; sync=both; seconds=20; warmup=20; keys=100000; out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --stores) stores="$2"; shift 2 ;;
    --sync-writes) sync="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --warmup-seconds) warmup="$2"; shift 2 ;;
    --keys) keys="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; echo "error: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case "$sync" in off|on|both) ;; *) echo "error: --sync-writes is off, on or both, not '$sync'" >&2; exit 2 ;; esac
for n in "$seconds" "$warmup" "$keys"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "error: --seconds, --warmup-seconds and --keys take a whole number, not '$n'" >&2; exit 2; }
done

OUT="${out:-$ROOT/.dialkv/race-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
BENCH_JAR="$ROOT/bench/target/dialkv-benchmarks.jar"
# Every load generator runs in a JVM like this one, dialkv's bench command included.
CLIENT_OPTS="-Xmx1g -XX:+UseParallelGC"
race() {
  # shellcheck disable=SC2086
  java $CLIENT_OPTS -cp "$BENCH_JAR" io.dialkv.bench.race.Race "$@"
}
log() { echo "[race $(date +%H:%M:%S)] $*" >&2; }
has() { [[ ",$stores," == *",$1,"* ]]; }

pids=()
dialkv_up=0
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "$dialkv_up" = 1 ]; then
    "$ROOT/cluster-scripts/stop-cluster.sh" --name race --wipe >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Stops what was started for one store, so that the next has the machine to itself.
stop_started() {
  cleanup
  pids=()
  dialkv_up=0
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local limit="$1" what="$2"; shift 2
  local end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || { echo "error: $what did not come up within ${limit}s (logs in $OUT)" >&2; exit 1; }
    sleep 1
  done
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

if [ "${DIALKV_SKIP_BUILD:-0}" != 1 ]; then
  log "building dialkv and the race tool"
  (cd "$ROOT" && ./mvnw -B -q -DskipTests -pl server/node,cli,bench -am install) >&2
fi
# Built once: a source file touched during the run must not make 'dialkv bench' rebuild (and
# print no result) halfway through.
export DIALKV_SKIP_BUILD=1

if has echo; then
  log "E: gRPC echo"
  # shellcheck disable=SC2086
  java $CLIENT_OPTS -cp "$BENCH_JAR" io.dialkv.bench.race.Race echo-server --port 7499 > "$OUT/echo.log" 2>&1 &
  pids+=($!)
  wait_for 30 "the echo server" port_open 127.0.0.1 7499
  race load --store echo --endpoints 127.0.0.1:7499 --warmup-seconds "$warmup" --seconds "$seconds" \
    --results "$RESULTS" >> "$OUT/echo-load.log"
  stop_started
fi

# dialkv through its own bench command; each operation is one closed loop, the keys preloaded once.
dialkv_rows() { # dialkv_rows STORE_NAME ROW...
  local name="$1"; shift
  local preload=--preload
  for row in "$@"; do
    local level
    case "$row" in
      write-quorum) level=(-c QUORUM --read-ratio 0) ;;
      read-quorum) level=(-c QUORUM --read-ratio 1) ;;
      read-one) level=(-c ONE --read-ratio 1) ;;
      write-linearizable) level=(-c LINEARIZABLE --read-ratio 0) ;;
      read-linearizable) level=(-c LINEARIZABLE --read-ratio 1) ;;
      cas) level=(-c LINEARIZABLE --cas) ;;
    esac
    log "$name $row"
    local line
    line="$(DIALKV_CLUSTER=race DIALKV_CLI_JAVA_OPTS="$CLIENT_OPTS" "$ROOT/cluster-scripts/dialkv" bench "${level[@]}" \
        -o json "$preload" --keys "$keys" --value-size 200 --concurrency 64 --warmup-time "${warmup}s" \
        --ops 1000000000 --time-limit "${seconds}s" 2>> "$OUT/dialkv-bench.log" | grep '^{' || true)"
    [ -n "$line" ] || { echo "error: dialkv bench printed no result for $row (see $OUT/dialkv-bench.log)" >&2; exit 1; }
    echo "{\"store\": \"$name\", \"workload\": \"$row\", ${line#\{}" >> "$RESULTS"
    preload=--no-preload
  done
}

start_dialkv() {
  DIALKV_SKIP_BUILD=1 "$ROOT/cluster-scripts/start-cluster.sh" -n 3 -r 3 -p 7301 --name race -- "$@" >&2
  dialkv_up=1
}

if has dialkv; then
  if [ "$sync" != on ]; then
    log "dialkv: 3 nodes, replication factor 3, TLS"
    start_dialkv
    dialkv_rows dialkv write-quorum read-quorum read-one write-linearizable read-linearizable cas
    cp -r "$ROOT/.dialkv/race/logs" "$OUT/dialkv-logs" 2>/dev/null || true
    stop_started
  fi
  if [ "$sync" != off ]; then
    log "dialkv --sync-writes: 3 nodes, replication factor 3, TLS, every acknowledged write fsynced"
    start_dialkv --sync-writes
    name="dialkv --sync-writes"
    [ "$sync" = on ] && name=dialkv
    dialkv_rows "$name" write-quorum write-linearizable cas
    cp -r "$ROOT/.dialkv/race/logs" "$OUT/dialkv-sync-logs" 2>/dev/null || true
    stop_started
  fi
fi

if has etcd; then
  if ! command -v etcd >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      log "installing Debian's etcd-server"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q etcd-server >&2
    else
      echo "error: etcd is not installed; run as root to install it, or: apt-get install etcd-server" >&2
      exit 1
    fi
  fi
  log "etcd $(etcd --version | head -1 | awk '{print $3}'): 3 members"
  cluster="e1=http://127.0.0.1:12380,e2=http://127.0.0.1:12480,e3=http://127.0.0.1:12580"
  rm -rf "$OUT/etcd"
  for i in 1 2 3; do
    client=$((12279 + 100 * i)); peer=$((client + 1))
    mkdir -p "$OUT/etcd/e$i"
    etcd --name "e$i" --data-dir "$OUT/etcd/e$i/data" \
      --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
      --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
      --initial-cluster "$cluster" --initial-cluster-token race --initial-cluster-state new \
      > "$OUT/etcd/e$i/etcd.log" 2>&1 &
    pids+=($!)
  done
  for i in 1 2 3; do
    wait_for 60 "etcd member e$i" port_open 127.0.0.1 $((12279 + 100 * i))
  done
  race load --store etcd --endpoints 127.0.0.1:12379,127.0.0.1:12479,127.0.0.1:12579 --keys "$keys" \
    --warmup-seconds "$warmup" --seconds "$seconds" --results "$RESULTS" >> "$OUT/etcd/load.log"
  stop_started
fi

if has cassandra; then
  lib="$ROOT/.dialkv/cassandra-lib"
  if [ ! -f "$lib/.complete" ]; then
    log "fetching Apache Cassandra from Maven Central (once)"
    rm -rf "$lib"
    (cd "$ROOT" && ./mvnw -B -q -f bench/cassandra/pom.xml dependency:copy-dependencies -DoutputDirectory="$lib") >&2
    touch "$lib/.complete"
  fi
  version="$(ls "$lib" | sed -n 's/^cassandra-all-\(.*\)\.jar$/\1/p')"
  log "Cassandra $version: 3 nodes, replication factor 3"
  rm -rf "$OUT/cassandra"
  mapfile -t jvm_opts < <(grep -v '^#' "$ROOT/bench/cassandra/jvm17.options")
  for i in 1 2 3; do
    dir="$OUT/cassandra/n$i"
    mkdir -p "$dir"
    sed -e "s|@ADDRESS@|127.0.0.$i|g" -e "s|@DIR@|$dir|g" "$ROOT/bench/cassandra/cassandra.yaml.template" > "$dir/cassandra.yaml"
    # One node at a time: a node joins a ring that has settled.
    java -Xms1g -Xmx1g -XX:+UseG1GC "${jvm_opts[@]}" \
      -Dcassandra.config="file://$dir/cassandra.yaml" -Dcassandra.storagedir="$dir" \
      -Dcassandra.logdir="$dir" -Dlogback.configurationFile="$ROOT/bench/cassandra/logback.xml" \
      -Dcassandra-foreground=yes -Dcassandra.jmx.local.port=$((17199 + i)) \
      -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.ring_delay_ms=1000 \
      -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon > "$dir/stdout.log" 2>&1 &
    pids+=($!)
    wait_for 180 "Cassandra node 127.0.0.$i" port_open "127.0.0.$i" 19042
  done
  race load --store cassandra --endpoints 127.0.0.1:19042,127.0.0.2:19042,127.0.0.3:19042 --keys "$keys" \
    --warmup-seconds "$warmup" --seconds "$seconds" --results "$RESULTS" >> "$OUT/cassandra/load.log"
  stop_started
fi

race table "$RESULTS" | tee "$OUT/table.md"
log "results in $OUT"
