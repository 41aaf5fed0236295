#!/usr/bin/env bash
# Time to ready on a simulated 1-CPU / 512 MiB instance when every migration still has to run:
# each start gets a new, empty PostgreSQL database (real local PostgreSQL and Redis).
# Complements bench/startup.sh, which measures starts on an already migrated database.
# Usage: bench/startup_empty_db.sh [runs]   (default 5; needs psql, PostgreSQL on 127.0.0.1:5432 with trust auth, Redis)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/jdk.sh"
runs=${1:-5}
out="$root/bench/out/empty-db"
mkdir -p "$out"
jar="$out/netra.jar"
(cd "$root" && ./mvnw -q -B -DskipTests install)
cp "$root/server/target/netra.jar" "$jar"
probe="$root/../shared/tools/startup_probe.py"
results=()
for i in $(seq 1 "$runs"); do
  db="netra_bench_empty_$i"
  psql -h 127.0.0.1 -U postgres -qc "drop database if exists $db" -c "create database $db" >/dev/null
  data=$(mktemp -d "$out/run.XXXXXX"); chmod 755 "$data"
  line=$(DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" REDIS_URL=redis://127.0.0.1:6379 \
    REDIS_KEY_PREFIX=netra-bench-empty: NETRA_DATA_DIR="$data" \
    taskset -c 1 python3 "$probe" 18399 /health/ready -- taskset -c 0 "$JAVA_HOME/bin/java" -XX:MaxRAM=512m @"$root/deploy/jvm.args" -jar "$jar" serve)
  psql -h 127.0.0.1 -U postgres -qc "drop database if exists $db with (force)" >/dev/null
  echo "empty database, start $i: $line"
  results+=("$(sed -n 's/.*ready_s=\([0-9.]*\).*/\1/p' <<<"$line")")
done
printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$1} END {print "median ready_s over " NR " starts on an empty database: " a[int((NR+1)/2)]}'
