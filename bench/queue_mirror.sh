#!/usr/bin/env bash
# The 2,000-file mirror (local to local, 4-6 KiB files in 140 directories) in process vs on a
# BullMQ queue with 1, 2 and 4 worker processes; whole processes, wall seconds per run.
# Run from a scratch directory (src/ is made there when missing), e.g.
#   mkdir -p /tmp/qb && cd /tmp/qb && bash /path/to/bench/queue_mirror.sh
set -u
[ -d src ] || python3 -c "
import os
for i in range(2000):
    d='src/d%d/e%d'%(i%20,i%7); os.makedirs(d,exist_ok=True)
    open(d+'/f%d'%i,'wb').write(os.urandom(4096+i))
"
M=${FERRY_MAIN:-$(dirname "$0")/../cli/main.ts}
P=${PORT:-6411}
redis-server --port $P --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 & RP=$!
sleep 0.5
t() { local s=$(date +%s.%N); "$@" >/dev/null 2>&1; local e=$(date +%s.%N); echo "$(echo "$e - $s" | bc)"; }
for r in 1 2; do rm -rf dst; echo "inproc run$r $(t deno run -A --no-check $M mirror src dst -q)"; done
for n in 1 2 4; do
  pids=""
  for i in $(seq 1 $n); do deno run -A --no-check $M worker --queue redis://127.0.0.1:$P -q >/dev/null 2>&1 & pids="$pids $!"; done
  sleep 4
  for r in 1 2; do rm -rf dst; echo "queue w=$n run$r $(t deno run -A --no-check $M mirror src dst -q --queue redis://127.0.0.1:$P)"; diff -rq src dst >/dev/null || echo DIFF; done
  kill $pids; wait $pids 2>/dev/null
done
kill $RP
