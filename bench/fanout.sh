#!/usr/bin/env bash
# Event fan-out across instances (issue 21, item 1): two instances, each held to one CPU (taskset and
# -XX:ActiveProcessorCount=1, -XX:MaxRAM=512m), share PostgreSQL and Redis; 100 users each hold 5
# chat sockets spread over both (3 on one, 2 on the other, alternating), and 50 runs of the offline
# agent are kept in flight. Measures events delivered per second to all sockets, the delay from an
# event's own timestamp (the server's clock when it made the event) to each socket, the servers' CPU
# per delivered event, what each event costs in PostgreSQL and in Redis, and counts every delivered
# event against the stored ones (lost, duplicated). Afterwards (BENCH_JFR=1) the load goes on for a
# while with a JFR recording of the first instance, summarised by bench/fanout_report.py.
#
#   bench/fanout.sh                                   prints the figures; BENCH_README=1 also writes them into
#                                                     bench/README.md (between the fanout:begin/end markers)
#   BENCH_SECONDS=10 BENCH_WARMUP_SECONDS=5 BENCH_JFR=0 bench/fanout.sh      a quick try
#
# Environment (all optional):
#   BENCH_SECONDS=60          the measured window
#   BENCH_WARMUP_SECONDS=40   load before it, not counted (the JIT compiles the runs' and the sockets' path;
#                             after 20 s its compiler threads still took 40 % of the instances' CPU)
#   BENCH_USERS=100           users, each with a demo-sized usage history (a copy of the demo user's)
#   BENCH_SOCKETS=5           sockets per user, socket k of user u on instance (u + k) mod 2
#   BENCH_IN_FLIGHT=50        agent runs going at once (each user at most one)
#   BENCH_POOL_SIZE=          DB_POOL_SIZE of each instance, which also caps its runs at once
#                             (default: half the runs in flight + 5, so no run is refused as busy)
#   BENCH_JFR=1               after the window, BENCH_JFR_SECONDS more of the same load recorded with JFR
#   BENCH_JFR_SECONDS=20        on the first instance (not part of the figures)
#   BENCH_NETRA_JAR=path      measure this jar (default: package server/target/netra.jar first)
#   BENCH_JAVA_OPTS=          more JVM options for both instances
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
out=$bench/out
work=$out/fanout
logs=$work/logs
seconds=${BENCH_SECONDS:-60}
warmup=${BENCH_WARMUP_SECONDS:-40}
users=${BENCH_USERS:-100}
per_user=${BENCH_SOCKETS:-5}
in_flight=${BENCH_IN_FLIGHT:-50}
pool=${BENCH_POOL_SIZE:-$((in_flight / 2 + 5))}
jfr=${BENCH_JFR:-1}
jfr_seconds=${BENCH_JFR_SECONDS:-20}
[ "$jfr" = 1 ] || jfr_seconds=0
maxram=512m
ws_version=8.23.0   # the load client's WebSocket library, as in the other benchmarks

. "$root/bench/lib.sh"

for n in seconds warmup users per_user in_flight pool jfr_seconds; do
  [[ "${!n}" =~ ^[0-9]+$ ]] || die "$n must be a whole number, got '${!n}'"
done
[ "$users" -le 1000 ] || die "BENCH_USERS is at most 1000 (user ids fan-000 .. fan-999)"
for tool in python3 taskset curl node npm psql redis-cli pgrep; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
use_jdk
pin_cpus
[ ${#cpus[@]} -ge 2 ] || die "needs two CPUs, one per instance"
cpu_a=${cpus[0]}
cpu_b=${cpus[1]}

[ ! -d "$out" ] || chmod -R u+w "$out"
rm -rf "$work"
mkdir -p "$work" "$logs" "$work/client"
build_netra "$work/netra.jar"
commit=$(git -C "$root" rev-parse --short HEAD)
dirty=$(git -C "$root" status --porcelain -- server pom.xml 2>/dev/null || true)

install_ws_client fanout-bench-client "$work/client"

# A fresh database and Redis key prefix (both dropped at exit), on the machine's PostgreSQL and Redis.
pg postgres -Atc 'select 1' >/dev/null 2>&1 || die "needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust)"
redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || die "needs Redis on 127.0.0.1:6379"
bench_db=netra_bench_fanout_$$
prefix=netra-bench-fanout-$$:
cleanup() {
  pg postgres -qc "drop database if exists $bench_db with (force)" >/dev/null 2>&1 || say "could not drop database $bench_db"
  redis-cli -h 127.0.0.1 --scan --pattern "$prefix*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null 2>&1 || true
}
trap 'rc=$?; on_exit; cleanup; exit $rc' EXIT
pg postgres -qc "create database $bench_db" >/dev/null
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
netra_env=(NETRA_ENV=development JWT_SECRET_KEY="$secret" DATABASE_URL="postgres://postgres@127.0.0.1:5432/$bench_db"
  REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX="$prefix" DB_POOL_SIZE="$pool" MAX_INSTANCES=2)

start_instance() { # name cpu: starts it, sets pid_<name> and port_<name>
  local name=$1 cpu=$2 port
  port=$(free_port)
  env PORT="$port" NETRA_DATA_DIR="$work/data-$name" "${netra_env[@]}" \
    taskset -c "$cpu" "$java" -XX:ActiveProcessorCount=1 -XX:MaxRAM=$maxram "${netra_jvm[@]}" ${BENCH_JAVA_OPTS:-} -jar "$work/netra.jar" serve \
    >"$logs/netra-$name.log" 2>&1 &
  track $!
  printf -v "pid_$name" '%s' $!
  printf -v "port_$name" '%s' "$port"
}

# Instance a starts first: on a development start it migrates the database and makes the demo user's
# usage history; every bench user then gets a copy of it (the same rows under its own user id and
# ids), before b starts. The copy skips llm_usage's triggers (session_replication_role = replica)
# and copies what they would have derived from the same rows (llm_usage_daily, llm_usage_repeats)
# instead: the same result, in seconds instead of minutes.
say "netra a: starting on CPU $cpu_a (migrations, demo usage)"
start_instance a "$cpu_a"
wait_ready "$pid_a" "$port_a" "$logs/netra-a.log"
say "seeding $users users with the demo user's usage history"
seed_started=$(date +%s.%N)
columns() { # the columns of table $1 but id and user_id
  pg "$bench_db" -Atc "select string_agg(quote_ident(column_name), ', ' order by ordinal_position)
    from information_schema.columns where table_name = '$1' and column_name not in ('id', 'user_id')"
}
usage_cols=$(columns llm_usage)
daily_cols=$(columns llm_usage_daily)
repeats_cols=$(columns llm_usage_repeats)
pg "$bench_db" -q >"$logs/seed.log" 2>&1 <<SQL || { cat "$logs/seed.log" >&2; die "seeding failed (log: $logs/seed.log)"; }
begin;
set local session_replication_role = replica;
create temp table bench_users on commit drop as
  select 'fan-' || lpad(i::text, 3, '0') as id, (i + 1) * (select max(id) from llm_usage) as id_offset
  from generate_series(0, $users - 1) i;
insert into users (id) select id from bench_users on conflict do nothing;
insert into llm_usage (id, user_id, $usage_cols)
  select l.id + u.id_offset, u.id, $usage_cols from llm_usage l cross join bench_users u where l.user_id = 'dev';
insert into llm_usage_daily (user_id, $daily_cols)
  select u.id, $daily_cols from llm_usage_daily d cross join bench_users u where d.user_id = 'dev';
insert into llm_usage_repeats (id, user_id, $repeats_cols)
  select r.id + u.id_offset, u.id, $repeats_cols from llm_usage_repeats r cross join bench_users u where r.user_id = 'dev';
select setval(pg_get_serial_sequence('llm_usage', 'id'), (select max(id) from llm_usage));
commit;
vacuum analyze llm_usage;
vacuum analyze llm_usage_daily;
vacuum analyze llm_usage_repeats;
SQL
seed_s=$(python3 -c "import time; print(f'{time.time() - $seed_started:.0f}')")
dev_rows=$(pg "$bench_db" -Atc "select count(*) from llm_usage where user_id = 'dev'")
seeded_rows=$(pg "$bench_db" -Atc "select count(*) from llm_usage where user_id like 'fan-%'")
say "seeded $seeded_rows rows ($dev_rows per user) in $seed_s s"
say "netra b: starting on CPU $cpu_b"
start_instance b "$cpu_b"
wait_ready "$pid_b" "$port_b" "$logs/netra-b.log"

redis_pid=$(pgrep -o -x redis-server || pgrep -o redis-server || true)
mark_env=(MARK_OUT="$work/marks.jsonl" MARK_JVMS="$pid_a $pid_b" MARK_DB="$bench_db" MARK_REDIS_PID="$redis_pid")
if [ "$jfr" = 1 ]; then
  # JFR's profile settings sample running Java code every 10 ms per thread; every millisecond gives more samples.
  "$JAVA_HOME/bin/jfr" configure --input profile method-profiling=max --output "$work/fanout.jfc" >"$logs/jfr-configure.log" 2>&1 \
    || die "jfr configure failed (log: $logs/jfr-configure.log)"
  mark_env+=(MARK_JFR_PID="$pid_a" MARK_JFR_SETTINGS="$work/fanout.jfc" MARK_JFR_FILE="$work/netra-a.jfr"
    MARK_JCMD="$JAVA_HOME/bin/jcmd")
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "load: $users users x $per_user sockets, $in_flight runs in flight, $warmup s warm-up + $seconds s measured + $jfr_seconds s profiled"
client_cmd=(node "$bench/fanout_client.js" "$work" "$secret" "ws://127.0.0.1:$port_a/ws/chat" "ws://127.0.0.1:$port_b/ws/chat")
env FANOUT_MODULES="$work/client" FANOUT_USERS="$users" FANOUT_SOCKETS="$per_user" FANOUT_IN_FLIGHT="$in_flight" \
  FANOUT_WARMUP_S="$warmup" FANOUT_SECONDS="$seconds" FANOUT_PROFILE_S="$jfr_seconds" FANOUT_MARK="$bench/fanout_mark.py" \
  "${mark_env[@]}" "${client_cmd[@]}" >"$work/client.out" 2>"$logs/client.log" &
client_pid=$!
track "$client_pid"
wait "$client_pid" || { untrack "$client_pid"; tail -n 20 "$logs/client.log" >&2; die "the load client failed (log: $logs/client.log)"; }
untrack "$client_pid"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
say "client: $(tail -n 1 "$work/client.out")"

# The stored events of the bench users' threads, to count the delivered ones against.
pg "$bench_db" -Atc "copy (select t.user_id, e.thread_id, e.event_id, e.type, extract(epoch from e.created_at) from run_events e join threads t on t.id = e.thread_id
  where t.user_id like 'fan-%') to stdout" >"$work/stored.tsv"
for name in a b; do
  pid_var=pid_$name
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/${!pid_var}/status" 2>/dev/null || echo 0)
  printf -v "rss_$name" '%s' "$rss"
  stop_pid "${!pid_var}"
done
if [ "$jfr" = 1 ] && [ -f "$work/netra-a.jfr" ]; then
  "$JAVA_HOME/bin/jfr" print --events jdk.ExecutionSample --stack-depth 64 "$work/netra-a.jfr" >"$work/jfr-samples.txt"
fi

{
  printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'commit\t%s%s\n' "$commit" "${dirty:+ (with uncommitted changes to the server sources)}"
  printf 'java\t%s\n' "$java_version"
  printf 'node\t%s, ws %s\n' "$(node --version)" "$ws_version"
  printf 'cpu\t%s, %s CPUs online\n' "$cpu_model" "$(nproc --all)"
  printf 'cpu_a\t%s\ncpu_b\t%s\n' "$cpu_a" "$cpu_b"
  printf 'clk_tck\t%s\n' "$clk_tck"
  printf 'load\t%s before, %s after\n' "$load_before" "$load_after"
  printf 'postgres\t%s\n' "$(pg postgres -Atc 'show server_version')"
  printf 'pg_stat_statements\t%s\n' "$(pg postgres -Atc "select case when setting like '%pg_stat_statements%' then 'loaded' else 'available, not in shared_preload_libraries' end from pg_settings where name = 'shared_preload_libraries'")"
  printf 'redis\t%s\n' "$(redis-cli -h 127.0.0.1 info server | tr -d '\r' | sed -n 's/^redis_version://p')"
  printf 'seed\t%s rows for %s users (%s per user, a copy of the demo user dev'"'"'s) in %s s\n' "$seeded_rows" "$users" "$dev_rows" "$seed_s"
  printf 'pool\t%s\n' "$pool"
  printf 'rss_kb\t%s %s\n' "$rss_a" "$rss_b"
  printf 'log_problems\t%s\n' "$(cat "$logs"/netra-a.log "$logs"/netra-b.log | grep -cE '\b(WARN|ERROR)\b|Exception' || true)"
  printf 'command\t%s\n' "BENCH_SECONDS=$seconds BENCH_WARMUP_SECONDS=$warmup BENCH_USERS=$users BENCH_SOCKETS=$per_user BENCH_IN_FLIGHT=$in_flight BENCH_JFR=$jfr bench/fanout.sh"
  printf 'netra_cmd\t%s\n' "PORT=<port> NETRA_DATA_DIR=<fresh dir> NETRA_ENV=development JWT_SECRET_KEY=<32+ chars> DATABASE_URL=postgres://postgres@127.0.0.1:5432/netra_bench_fanout_<pid> REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX=netra-bench-fanout-<pid>: DB_POOL_SIZE=$pool MAX_INSTANCES=2 taskset -c <0|1> \$JAVA_HOME/bin/java -XX:ActiveProcessorCount=1 -XX:MaxRAM=$maxram @deploy/jvm.args ${BENCH_JAVA_OPTS:-}-jar netra.jar serve"
  printf 'client_cmd\t%s\n' "FANOUT_USERS=$users FANOUT_SOCKETS=$per_user FANOUT_IN_FLIGHT=$in_flight FANOUT_WARMUP_S=$warmup FANOUT_SECONDS=$seconds FANOUT_PROFILE_S=$jfr_seconds FANOUT_MARK=bench/fanout_mark.py node bench/fanout_client.js bench/out/fanout <secret> ws://127.0.0.1:<port a>/ws/chat ws://127.0.0.1:<port b>/ws/chat"
} >"$work/meta.tsv"

readme=()
[ "${BENCH_README:-0}" != 1 ] || readme=("$bench/README.md")
python3 "$bench/fanout_report.py" "$work" "${readme[@]}"
say "done; raw numbers in ${work#"$root"/}"
