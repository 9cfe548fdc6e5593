#!/usr/bin/env bash
# Records the pipeline benchmark's capture: real HTTP traffic between nginx and curl on a loopback with
# MTU 1500 and segmentation/receive offloads off (so the capture holds wire-sized frames, as a sensor on a
# real link sees them), inside a network namespace of its own.
#
#   bench/record-capture.sh [OUT.pcap] [CONNECTIONS]
#
# Defaults: bench/captures/http-bulk.pcap, 3000 connections (about 500 MB, 3000 TCP flows with their
# handshakes and FIN teardowns, object sizes from 2 kB to 2 MB). Needs root, iproute2, ethtool, nginx,
# curl and tcpdump (Debian: apt-get install iproute2 ethtool nginx-light curl tcpdump).
set -euo pipefail

out=${1:-"$(dirname "$0")/captures/http-bulk.pcap"}
connections=${2:-3000}
ns=netsieve-bench-$$
work=$(mktemp -d /tmp/netsieve-bench.XXXXXX)
mkdir -p "$(dirname "$out")"
out=$(realpath "$out")

for tool in ip ethtool nginx curl tcpdump; do
  command -v "$tool" >/dev/null || { echo "record-capture: $tool is missing (Debian: apt-get install iproute2 ethtool nginx-light curl tcpdump)" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "record-capture: run as root (it creates a network namespace and captures in it)" >&2; exit 2; }

cleanup() {
  [ -n "${tcpdump_pid:-}" ] && kill "$tcpdump_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip link set lo mtu 1500
ip netns exec "$ns" ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || true

# Objects of web-like sizes: many small, some medium, a few large (random, incompressible bytes).
chmod 755 "$work"
mkdir -p "$work/www"
node -e '
  const fs = require("fs"); const crypto = require("crypto");
  let seed = 12345; const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 120; i++) {
    const r = rnd();
    const size = r < 0.6 ? 2000 + Math.floor(rnd() * 18000) : r < 0.9 ? 50000 + Math.floor(rnd() * 150000) : 500000 + Math.floor(rnd() * 1500000);
    fs.writeFileSync(`${process.argv[1]}/o${i}.bin`, crypto.randomBytes(size));
  }' "$work/www"

chmod -R a+rX "$work/www"
cat > "$work/nginx.conf" <<EOF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_timeout 0;
  server {
    listen 127.0.0.1:8080;
    root $work/www;
  }
}
EOF
ip netns exec "$ns" nginx -c "$work/nginx.conf" -p "$work"
sleep 0.5

ip netns exec "$ns" tcpdump -i lo -s 0 -B 262144 -w "$out" 'tcp port 8080' 2>"$work/tcpdump.log" &
tcpdump_pid=$!
sleep 1

# One connection per object (Connection: close), four clients at a time.
node -e '
  let seed = 777; const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const n = Number(process.argv[1]);
  for (let i = 0; i < n; i++) console.log(`http://127.0.0.1:8080/o${Math.floor(rnd() * 120)}.bin`);' "$connections" > "$work/urls"
ip netns exec "$ns" sh -c "xargs -P 4 -n 25 curl -s -H 'Connection: close' < '$work/urls' > /dev/null"

sleep 1
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" || true
tcpdump_pid=
cat "$work/tcpdump.log" >&2
if grep -qE '^[1-9][0-9]* packets dropped by kernel' "$work/tcpdump.log"; then
  echo "record-capture: the kernel dropped packets; the capture has gaps (run again on a quieter machine)" >&2
fi
ls -l "$out" >&2
