#!/usr/bin/env bash
# Makes the Secrets deploy/kubernetes/dialkv.yaml mounts, as manifests in OUT_DIR:
#   dialkv-tls     the cluster CA's certificate and a certificate per node id (n1.crt, n1.key,
#                  ...), each naming its pod (dialkv-0.dialkv-peers, ...);
#   dialkv-tokens  the nodes' tokens file (hashes only);
#   dialkv-scrape  the CA and a read token, for Prometheus;
# and keeps in OUT_DIR/private the CA's key and the client tokens (an admin and a readwrite one):
# never apply those, keep them safe. Then: kubectl apply -f OUT_DIR
# Usage: make-secrets.sh [-n NODES (default 5: room to grow)] [--set dialkv] [--peers dialkv-peers] OUT_DIR
set -euo pipefail
die() { echo "error: $*" >&2; exit 2; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
nodes=5 set_name=dialkv domain=dialkv-peers out=""
while [ $# -gt 0 ]; do
  case "$1" in
    -n) nodes="${2:?-n needs a number}"; shift 2 ;;
    --set) set_name="${2:?--set needs a name}"; shift 2 ;;
    --peers) domain="${2:?--peers needs the headless Service name}"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) out="$1"; shift ;;
  esac
done
[ -n "$out" ] || die "name the folder for the manifests (see --help)"
[[ "$nodes" =~ ^[1-9][0-9]*$ ]] || die "-n must be a positive number, not '$nodes'"
[ ! -e "$out/private/ca" ] || die "$out already has a CA; use another folder or remove it"
jar="$root/cli/target/dialkv-cli.jar"
[ -f "$jar" ] || die "$jar missing; build with ./mvnw -B -DskipTests package"
cli() { java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$jar" "$@" >/dev/null; }

private="$out/private"
mkdir -p "$private"
chmod 700 "$private"
cli certs init --ca-dir "$private/ca" --cluster "$set_name"
for ((id = 1; id <= nodes; id++)); do
  pod="$set_name-$((id - 1))"
  cli certs node --ca-dir "$private/ca" --id "$id" --host "$pod.$domain,$pod" --out "$private/n$id"
done
for role in admin readwrite; do
  cli token create --name "$role-user" --role "$role" --tokens-file "$private/tokens.txt" --out "$private/$role.token"
done
cli token create --name prometheus --role read --tokens-file "$private/tokens.txt" --out "$private/read.token"

b64() { base64 -w0 < "$1"; }
secret() { # NAME then KEY=FILE pairs
  local name="$1"; shift
  {
    echo "apiVersion: v1"
    echo "kind: Secret"
    echo "metadata:"
    echo "  name: $name"
    echo "  labels: {app.kubernetes.io/name: dialkv}"
    echo "type: Opaque"
    echo "data:"
    local pair
    for pair in "$@"; do
      echo "  ${pair%%=*}: $(b64 "${pair#*=}")"
    done
  } > "$out/$name.yaml"
}
pairs=("ca.crt=$private/ca/ca.crt")
for ((id = 1; id <= nodes; id++)); do
  pairs+=("n$id.crt=$private/n$id/node.crt" "n$id.key=$private/n$id/node.key")
done
secret dialkv-tls "${pairs[@]}"
secret dialkv-tokens "tokens.txt=$private/tokens.txt"
secret dialkv-scrape "ca.crt=$private/ca/ca.crt" "token=$private/read.token"
echo "wrote $out/dialkv-tls.yaml, dialkv-tokens.yaml, dialkv-scrape.yaml ($nodes node certificates)"
echo "kept $private (the CA key, admin.token, readwrite.token): do not apply it"
