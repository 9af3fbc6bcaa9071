#!/usr/bin/env bash
# The 2,000-file mirror (local to local, 4-6 KiB files in 140 directories) in process vs on a
# BullMQ queue with 1, 2 and 4 worker processes; whole processes, wall seconds per run. In-process
# and queued runs alternate (A/B pairs), so machine load hits both alike; medians at the end.
# Run from a scratch directory (src/ is made there when missing), e.g.
#   mkdir -p /tmp/qb && cd /tmp/qb && RUNS=5 bash /path/to/bench/queue_mirror.sh
set -u
[ -d src ] || python3 -c "
import os
for i in range(2000):
    d='src/d%d/e%d'%(i%20,i%7); os.makedirs(d,exist_ok=True)
    open(d+'/f%d'%i,'wb').write(os.urandom(4096+i))
"
M=${FERRY_MAIN:-$(dirname "$0")/../cli/main.ts}
P=${PORT:-6411}
RUNS=${RUNS:-3}
redis-server --port $P --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 & RP=$!
sleep 0.5
t() { local s=$(date +%s.%N); "$@" >/dev/null 2>&1; local e=$(date +%s.%N); echo "$(echo "$e - $s" | bc)"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "$(date -u +%FT%TZ) load $(cat /proc/loadavg)"
for n in 1 2 4; do
  pids=""
  for i in $(seq 1 $n); do deno run -A --no-check $M worker --queue redis://127.0.0.1:$P -q >/dev/null 2>&1 & pids="$pids $!"; done
  sleep 4
  a=""; b=""
  for r in $(seq 1 $RUNS); do
    rm -rf dst; x=$(t deno run -A --no-check $M mirror src dst -q); a="$a $x"
    rm -rf dst; y=$(t deno run -A --no-check $M mirror src dst -q --queue redis://127.0.0.1:$P); b="$b $y"
    diff -rq src dst >/dev/null || echo DIFF
    echo "w=$n pair $r: in-process $x  queue $y"
  done
  ma=$(echo $a | tr ' ' '\n' | median); mb=$(echo $b | tr ' ' '\n' | median)
  echo "w=$n medians: in-process $ma  queue $mb  ratio $(echo "scale=3; $mb / $ma" | bc)"
  kill $pids; wait $pids 2>/dev/null
done
echo "load after $(cat /proc/loadavg)"
kill $RP
