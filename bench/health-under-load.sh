#!/usr/bin/env bash
# Health under CPU load: how fast /health/live and /health/ready answer while 20 users each send one
# adversarial chat message (issue 16: "did " 8,000 times, 32,000 times one letter, nested period
# phrases) to a service held to one CPU (taskset on one core and -XX:ActiveProcessorCount=1, so the
# JVM sizes its virtual-thread scheduler to one carrier, as on a 1-CPU Cloud Run instance).
# Probes run every 10 ms on each path, each on a new connection, from another CPU. The messages come
# twice: right after the start (a cold JVM) and again once those are answered (a warm one).
#
#   bench/health-under-load.sh            prints the figures; BENCH_README=1 also writes them into
#                                         bench/README.md (between the health-load:begin/end markers)
#
# Environment (all optional):
#   BENCH_NETRA_JAR=path    measure this jar (default: package server/target/netra.jar first)
#   BENCH_LOAD_USERS=20     users, one adversarial message each
#   BENCH_PROBE_MS=10       time between two probes of one path
#   BENCH_JAVA_OPTS=        more JVM options for the service (e.g. a JFR recording)
#   BENCH_NICE=-10          niceness of the service and the client: on a shared machine other work would
#                           otherwise sit on the pinned CPU, which a real 1-CPU instance does not share
#                           (raising priority needs root; 0 to run as is)
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
out=$bench/out
work=$out/health-under-load
logs=$work/logs
users=${BENCH_LOAD_USERS:-20}
probe_ms=${BENCH_PROBE_MS:-10}
niceness=${BENCH_NICE:--10}
ws_version=8.23.0

. "$root/bench/lib.sh"

for tool in python3 taskset curl node npm psql; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
use_jdk
pin_cpus

[ ! -d "$out" ] || chmod -R u+w "$out"
rm -rf "$work"
mkdir -p "$work" "$logs" "$work/client"
build_netra "$work/netra.jar"

install_ws_client health-load-client "$work/client"

# A fresh database on the machine's PostgreSQL (dropped at exit), the machine's Redis when it answers.
psql -w -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1 \
  || die "needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust)"
bench_db=netra_bench_health_$$
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
netra_env=(NETRA_ENV=development JWT_SECRET_KEY="$secret" DATABASE_URL="postgres://postgres@127.0.0.1:5432/$bench_db"
  DB_POOL_SIZE="$users")
if (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  netra_env+=(REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX="netra-bench-health-$$:")
fi
psql -w -h 127.0.0.1 -U postgres -d postgres -qc "create database $bench_db" >/dev/null
trap 'rc=$?; on_exit; psql -w -h 127.0.0.1 -U postgres -d postgres -qc "drop database if exists $bench_db with (force)" >/dev/null 2>&1; exit $rc' EXIT

port=$(free_port)
say "netra: starting on port $port, pinned to CPU $app_cpu, ActiveProcessorCount=1"
env PORT="$port" NETRA_DATA_DIR="$work/data" "${netra_env[@]}" \
  nice -n "$niceness" taskset -c "$app_cpu" "$java" -XX:ActiveProcessorCount=1 -XX:MaxRAM=512m "${netra_jvm[@]}" ${BENCH_JAVA_OPTS:-} -jar "$work/netra.jar" serve \
  >"$logs/netra.log" 2>&1 &
server_pid=$!
track "$server_pid"
wait_ready "$server_pid" "$port" "$logs/netra.log"

say "load: $users adversarial messages, probing every $probe_ms ms"
load_before=$(cut -d' ' -f1 /proc/loadavg)
summary=$(CLIENT_MODULES="$work/client" nice -n "$niceness" "${other_pin[@]}" node "$bench/health_under_load.js" \
  "http://127.0.0.1:$port" "$secret" "$users" "$probe_ms" "$work/probes.tsv" | tail -n 1) \
  || die "load client failed"
say "$summary"

context="commit $(git -C "$root" rev-parse --short HEAD), $cpu_model, JDK $java_version, nice $niceness, machine load average $load_before"
report=$(python3 - "$work/probes.tsv" "$summary" "$context" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
lines = ["| phase | path | probes | p50 ms | p99 ms | max ms | over 50 ms | not 200 | in the server: max ms | over 50 ms |",
         "|---|---|---|---|---|---|---|---|---|---|"]
for phase in ("idle", "cold", "warm"):
    for path in ("/health/live", "/health/ready"):
        mine = [r for r in rows if r["phase"] == phase and r["path"] == path]
        ms = [float(r["ms"]) for r in mine]
        bad = sum(1 for r in mine if r["status"] != "200")
        server = [float(r["server_ms"]) for r in mine if r["server_ms"] not in ("", "NaN")]
        if ms:
            lines.append(f"| {phase} | `{path}` | {len(ms)} | {pct(ms, 50):.1f} | {pct(ms, 99):.1f} | {max(ms):.1f} | "
                         f"{sum(1 for m in ms if m > 50)} | {bad} | {max(server) if server else float('nan'):.1f} | "
                         f"{sum(1 for m in server if m > 50)} |")
print("\n".join(lines))
print()
print("The first figures are the prober's, from sending a probe to its whole answer; the last two the server's own (its"
      " Server-Timing header, from the accepted connection to the answer written).")
print()
print(f"Messages: {sys.argv[2]}; {sys.argv[3]}.")
PY
)
echo "$report"
if [ "${BENCH_README:-0}" = 1 ]; then
  python3 - "$bench/README.md" "$report" <<'PY'
import sys, re
path, report = sys.argv[1], sys.argv[2]
text = open(path).read()
begin, end = "<!-- health-load:begin -->", "<!-- health-load:end -->"
if begin not in text:
    sys.exit("bench/README.md has no health-load markers")
text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda m: begin + "\n" + report + "\n" + end, text, flags=re.S)
open(path, "w").write(text)
PY
fi
