#!/usr/bin/env bash
# What remains between netra's chat socket and the bare echoes, counted in system calls: the same
# ping/pong load as bench/websocket.sh (100 connections x 1000 pings, one in flight each), with
# `perf stat` counting the server's read, write, epoll and futex calls during the measured run.
# Counts do not depend on how busy the machine is, unlike CPU time. Writes the section between the
# websocket-syscalls:begin/end markers of bench/README.md.
#
#   bench/websocket_syscalls.sh
#
# Environment (all optional):
#   BENCH_RUNS=3            rounds; each starts every server afresh (netra, Helidon, Jetty in turn)
#   BENCH_WARMUP_RUNS=2     unmeasured echo runs before the counted one, on every fresh JVM
#   BENCH_NETRA_JAR=path    measure this jar instead of building server/target/netra.jar
#   BENCH_SHARED=dir        the shared folder with tools/ and peers/ (default: ../shared next to the repo)
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
out=$bench/out
work=$out/websocket-syscalls
logs=$work/logs
shared=${BENCH_SHARED:-$(dirname "$root")/shared}
runs=${BENCH_RUNS:-3}
warmups=${BENCH_WARMUP_RUNS:-2}
conns=100
msgs=1000
calls=(read write writev epoll_ctl epoll_wait futex)

. "$root/bench/lib.sh"

[ -f "$shared/tools/wsload/wsload.js" ] || die "wsload not found at $shared/tools/wsload (set BENCH_SHARED)"
for tool in perf python3 taskset curl node npm psql; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
perf stat -e syscalls:sys_enter_read -o /dev/null -- true 2>/dev/null \
  || die "perf cannot count system calls here (tracepoints; kernel.perf_event_paranoid is $(cat /proc/sys/kernel/perf_event_paranoid))"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, got '$runs'"

use_jdk
pin_cpus
[ ! -d "$out" ] || chmod -R u+w "$out"
rm -rf "$work" "$out/helidon-echo" "$out/jetty-echo" "$out/wsload"
mkdir -p "$logs"

build_netra "$work/netra.jar"
build_peer helidon-echo
build_peer jetty-echo
say "wsload: copying and installing (npm ci)"
cp -r "$shared/tools/wsload" "$out/wsload"
chmod -R u+w "$out/wsload"
(cd "$out/wsload" && npm ci --no-audit --no-fund) >"$logs/npm-ci.log" 2>&1 || die "npm ci failed (log: $logs/npm-ci.log)"

# netra on the machine's PostgreSQL and Redis, as in bench/websocket.sh.
bench_db=netra_bench
[ -n "$(pg postgres -Atc "select 1 from pg_database where datname = '$bench_db'")" ] || pg postgres -qc "create database $bench_db"
jwt_secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
netra_env=(NETRA_ENV=production LLM_MODEL=offline JWT_SECRET_KEY="$jwt_secret"
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/$bench_db" REDIS_URL=redis://127.0.0.1:6379
  REDIS_KEY_PREFIX=netra-bench: CHAT_SOCKETS_PER_USER=$conns)
token=$(env "${netra_env[@]}" NETRA_DATA_DIR="$work/token" "$java" -jar "$work/netra.jar" token --user bench-user --ttl 1h 2>"$logs/token.log") \
  || die "netra token failed (log: $logs/token.log)"

start_server() { # app port -> sets pid
  local app=$1 port=$2 log=$logs/$1-$3.log
  case $app in
    netra) env PORT="$port" NETRA_DATA_DIR="$work/runs/$port" "${netra_env[@]}" taskset -c "$app_cpu" "$java" -XX:MaxRAM=512m \
             "${netra_jvm[@]}" -jar "$work/netra.jar" serve >"$log" 2>&1 & ;;
    helidon|jetty) env PORT="$port" taskset -c "$app_cpu" "$java" -XX:MaxRAM=512m \
             -cp "$out/$app-echo/target/$app-echo-1.jar:$out/$app-echo/target/lib/*" peer.App >"$log" 2>&1 & ;;
  esac
  pid=$!
  track "$pid"
  local path=/ready
  [ "$app" = netra ] && path=/health/ready
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port$path" && return 0
    kill -0 "$pid" 2>/dev/null || die "$app exited before ready (log: $log)"
    sleep 0.2
  done
  die "$app not ready within 60 s (log: $log)"
}

echo_run() { # port -> wsload's summary line
  WS_PAYLOAD='{"type":"ping"}' WSLOAD_SKIP_TYPES=connection_established "${other_pin[@]}" node "$out/wsload/wsload.js" \
    "ws://127.0.0.1:$1/ws/chat" "$conns" "$msgs" echo "$token" | tail -n 1
}

events=$(printf 'syscalls:sys_enter_%s,' "${calls[@]}")
results=$work/results.tsv
: >"$results"
for round in $(seq 1 "$runs"); do
  for app in netra helidon jetty; do
    port=$(free_port)
    start_server "$app" "$port" "$round"
    for _ in $(seq 1 "$warmups"); do echo_run "$port" >/dev/null; done
    perf stat -x, -e "${events%,}" -p "$pid" -o "$work/$app-$round.perf" &
    counter=$!
    track "$counter"
    sleep 0.5
    line=$(echo_run "$port")
    kill -INT "$counter"; wait "$counter" || true
    untrack "$counter"
    stop_pid "$pid"
    [[ "$line" == *"failed=0"* ]] || die "$app round $round: connections failed: $line"
    say "$app round $round: $line"
    python3 - "$app" "$round" "$work/$app-$round.perf" "$line" >>"$results" <<'EOF'
import sys
app, rnd, path, line = sys.argv[1:]
fields = dict(kv.split("=") for kv in line.split())
counts = {}
for row in open(path):
    parts = row.strip().split(",")
    if len(parts) > 2 and parts[2].startswith("syscalls:sys_enter_"):
        counts[parts[2][len("syscalls:sys_enter_"):]] = int(parts[0]) if parts[0].isdigit() else 0
print("\t".join([app, rnd, fields["msgs"], fields["msgs_per_s"]] + [f"{k}={v}" for k, v in counts.items()]))
EOF
  done
done

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
python3 - "$results" "$bench/README.md" "$commit" "$java_version" "$runs" "$warmups" "${calls[*]}" <<'EOF'
import statistics, sys, time
sys.path.insert(0, sys.argv[2].rsplit("/", 1)[0])
from readme_section import replace_section
results, readme, commit, java, runs, warmups, calls = sys.argv[1:]
calls = calls.split()
rows = [line.rstrip("\n").split("\t") for line in open(results)]
names = {"netra": "netra (`ping` → `pong`)", "helidon": "helidon-echo (bare Helidon SE 4)", "jetty": "jetty-echo (bare Jetty 12 core)"}
med = {}
out = ["<!-- websocket-syscalls:begin -->", "## WebSocket: system calls per message", "",
       f"_Written by `bench/websocket_syscalls.sh` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; the script "
       "rewrites this section._", "",
       f"- commit: {commit}; JDK: {java}",
       f"- {runs} rounds, each a fresh JVM per server (netra, Helidon, Jetty in turn), {warmups} unmeasured echo runs, then "
       "one counted run of 100 connections × 1000 pings; medians over the rounds", "",
       "| server | msgs/s | " + " | ".join(calls) + " | all counted |", "|---|--:|" + "--:|" * (len(calls) + 1)]
for app in ("netra", "helidon", "jetty"):
    mine = [r for r in rows if r[0] == app]
    if not mine:
        continue
    per = {c: statistics.median([int(dict(kv.split("=") for kv in r[4:]).get(c, 0)) / int(r[2]) for r in mine]) for c in calls}
    rate = statistics.median([float(r[3]) for r in mine])
    med[app] = per
    out.append(f"| {names[app]} | {rate:,.0f} | " + " | ".join(f"{per[c]:.2f}" for c in calls) + f" | **{sum(per.values()):.2f}** |")
out += ["", "Calls per message: the server's calls (all its threads, `perf stat -e syscalls:sys_enter_*`) during the counted run, "
        "divided by the messages answered. `write` is where netra wakes Jetty's selector (an eventfd); `writev` sends a frame.", "",
        "Commands:", "", "```",
        "perf stat -x, -e " + ",".join(f"syscalls:sys_enter_{c}" for c in calls) + " -p <server pid>   # during the counted run",
        "WS_PAYLOAD='{\"type\":\"ping\"}' WSLOAD_SKIP_TYPES=connection_established taskset -c 1 node bench/out/wsload/wsload.js "
        "ws://127.0.0.1:<port>/ws/chat 100 1000 echo $TOKEN", "```", "<!-- websocket-syscalls:end -->"]
replace_section(readme, "<!-- websocket-syscalls:begin -->", "<!-- websocket-syscalls:end -->", "\n".join(out))
print("\n".join(out))
EOF
say "done: results in bench/README.md, raw counts in $work"
