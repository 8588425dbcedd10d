#!/usr/bin/env bash
# The relay's consumer examples against a real relay: nats-server with JetStream, the
# simulator, `devlink3 relay`; then the Python example twice (the second run resumes where
# the first acknowledged: nothing left) and the Node example.
#
#   bash examples/relay/test.sh       (after `cargo build -p devlink3-cli` and bindings/python/ci.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
devlink3="$root/target/debug/devlink3"
python="${DEVLINK3_PYTHON_VENV:-$root/target/python-venv}/bin/python"
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

[ -x "$devlink3" ] || cargo build -q -p devlink3-cli
nats_server=$(command -v nats-server || echo /usr/sbin/nats-server)
free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
"$nats_server" -js -a 127.0.0.1 -p "$port" -sd "$work/nats" >/dev/null 2>&1 & pids+=($!)
url="nats://127.0.0.1:$port"
"$devlink3" sim --listen 127.0.0.1:0 --rate 30 > "$work/sim.out" & pids+=($!)
for _ in $(seq 50); do grep -q tcp:// "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
target=$(grep -o 'tcp://[0-9.:]*' "$work/sim.out" | head -1)
RELAY_PW=devlink3 "$devlink3" relay --pbx "hq=$target" --user devlink3 --password-env RELAY_PW --nats "$url" 2> "$work/relay.log" &
relay=$!
sleep 3
kill -TERM "$relay"; wait "$relay"

echo "==> Python consumer (nats-py)"
"$python" -m pip install --quiet --disable-pip-version-check 'nats-py>=2.6'
"$python" examples/relay/consumer.py "$url" hq --once > "$work/py1.out"
"$python" examples/relay/consumer.py "$url" hq --once > "$work/py2.out"
first=$(wc -l < "$work/py1.out"); second=$(wc -l < "$work/py2.out")
echo "first run: $first messages; second run (resumed): $second"
[ "$first" -gt 10 ] || { echo "error: the Python consumer read $first messages" >&2; exit 1; }
[ "$second" -eq 0 ] || { echo "error: the durable consumer did not resume (read $second again)" >&2; exit 1; }
grep -q '^devlink3.hq.record.detail delta3$' "$work/py1.out"

echo "==> Node consumer (nats)"
mkdir -p "$work/node" && cp examples/relay/consumer.mjs "$work/node/"
(cd "$work/node" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund nats@2 >/dev/null)
timeout 10 node "$work/node/consumer.mjs" "$url" hq > "$work/node.out" || true
lines=$(wc -l < "$work/node.out")
echo "Node consumer: $lines messages"
[ "$lines" -eq "$first" ] || { echo "error: the Node consumer read $lines messages, the stream holds $first" >&2; exit 1; }
