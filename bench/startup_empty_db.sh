#!/usr/bin/env bash
# Time to ready on a simulated 1-CPU / 512 MiB instance when every migration still has to run:
# each start gets a new, empty PostgreSQL database (real local PostgreSQL and Redis).
# Complements bench/startup.sh, which measures starts on an already migrated database.
# Three kinds of start, taken in turn: production (what a first deploy does: the migrations), the
# same with an AOT cache trained, as deploy/build-image.sh trains the image's, by one start on an
# empty database (JDK 25+), and development (the migrations, then the 60 days of demo usage a
# development start writes).
# Usage: bench/startup_empty_db.sh [runs]   (default 5 of each; needs psql, PostgreSQL on 127.0.0.1:5432 with trust
# auth, Redis)
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
psql=(psql -w -h 127.0.0.1 -U postgres -q)
# A throwaway key: these starts serve no one, and the key dies with the run.
production_env=(NETRA_ENV=production LLM_MODEL=offline JWT_SECRET_KEY="$(head -c 32 /dev/urandom | base64)")
results="$out/results.tsv"
: >"$results"

# The step times of the start just made, from the startup history it wrote into its database.
step_ms() { # database step
  "${psql[@]}" -d "$1" -Atc "select coalesce(max(end_ms - start_ms)::text, '-') from startup_steps where name = '$2'"
}

fresh_db() { # name: drops and creates it
  "${psql[@]}" -c "drop database if exists $1" -c "create database $1" >/dev/null 2>&1
}
java_major=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
kinds=(production development)
cache="$out/netra.aot"
rm -f "$cache"
if [ "$java_major" -ge 25 ]; then
  echo "training an AOT cache with one production start on an empty database"
  fresh_db netra_bench_empty_training
  data=$(mktemp -d "$out/run.XXXXXX"); chmod 755 "$data"
  env "${production_env[@]}" DATABASE_URL=postgres://postgres@127.0.0.1:5432/netra_bench_empty_training \
    REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX=netra-bench-empty-training: NETRA_DATA_DIR="$data" PORT=18399 \
    taskset -c 0 "$JAVA_HOME/bin/java" -XX:MaxRAM=512m @"$root/deploy/jvm.args" -XX:AOTCacheOutput="$cache" -jar "$jar" serve \
    >"$out/training.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null http://127.0.0.1:18399/health/ready && break
    sleep 0.1
  done
  kill -TERM "$server"; wait "$server" || true
  "${psql[@]}" -c "drop database if exists netra_bench_empty_training with (force)" >/dev/null 2>&1
  rm -rf "$data"
  [ -s "$cache" ] || { tail -n 20 "$out/training.log" >&2; echo "training wrote no AOT cache" >&2; exit 1; }
  kinds=(production production-aot development)
fi

for i in $(seq 1 "$runs"); do
  for env in "${kinds[@]}"; do
    db="netra_bench_empty_${env//-/_}_$i"
    fresh_db "$db"
    data=$(mktemp -d "$out/run.XXXXXX"); chmod 755 "$data"
    extra=() aot=()
    [ "$env" != development ] && extra=("${production_env[@]}")
    [ "$env" = production-aot ] && aot=(-XX:AOTCache="$cache")
    line=$(env "${extra[@]}" DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" REDIS_URL=redis://127.0.0.1:6379 \
      REDIS_KEY_PREFIX="netra-bench-empty-$i:" NETRA_DATA_DIR="$data" \
      taskset -c 1 python3 "$probe" 18399 /health/ready -- taskset -c 0 "$JAVA_HOME/bin/java" -XX:MaxRAM=512m \
      @"$root/deploy/jvm.args" "${aot[@]}" -jar "$jar" serve)
    ready=$(sed -n 's/.*ready_s=\([0-9.]*\).*/\1/p' <<<"$line")
    migrations=$(step_ms "$db" migrations)
    demo=$(step_ms "$db" demo-usage)
    "${psql[@]}" -c "drop database if exists $db with (force)" >/dev/null 2>&1
    rm -rf "$data"
    echo "$env, start $i: $line migrations_ms=$migrations demo_usage_ms=$demo"
    printf '%s\t%s\t%s\t%s\n' "$env" "${ready:--}" "$migrations" "$demo" >>"$results"
  done
done
python3 - "$results" <<'EOF'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
for env in ("production", "production-aot", "development"):
    mine = [r for r in rows if r[0] == env]
    if not mine:
        continue
    def med(col):
        values = [float(r[col]) for r in mine if r[col] not in ("", "-")]
        return statistics.median(values) if values else None
    ready = [float(r[1]) for r in mine if r[1] not in ("", "-")]
    demo = med(3)
    print(f"{env}: median ready {med(1):.2f} s ({min(ready):.2f}-{max(ready):.2f}) over {len(ready)} of {len(mine)} starts;"
          f" migrations {med(2):.0f} ms" + (f", demo usage {demo:.0f} ms" if demo is not None else ""))
EOF
