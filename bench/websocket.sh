#!/usr/bin/env bash
# WebSocket benchmark: ping/pong round trips on netra's authenticated chat socket against the
# Spring Boot baseline's echo and the bare Helidon SE and Jetty echoes (same client, same pinning,
# same run; compared by server CPU per message), and many idle authenticated sockets held on a
# -XX:MaxRAM=512m JVM (failures, RSS, readiness while held).
# Writes the results section of bench/README.md (between the websocket:begin/end markers).
#
#   bench/websocket.sh
#
# Environment (all optional):
#   BENCH_RUNS=3              measured echo runs per server (a fresh JVM each, alternating servers)
#   BENCH_PEERS="spring helidon jetty"   the echo servers measured beside netra (a quick try can leave some out)
#   BENCH_CONNS=100 BENCH_MSGS=1000   echo: connections, and pings per connection
#   BENCH_WARMUP_RUNS=2       unmeasured echo runs before the measured one, on every fresh JVM
#   BENCH_IDLE_CONNS=10000    idle sockets held at once
#   BENCH_HOLD_S=30           how long each idle socket is held
#   BENCH_HOLD_BASELINE=1     also hold the idle sockets on the baseline (0 to skip)
#   BENCH_JFR=1               profile netra in one extra, unmeasured echo run with JFR (0 to skip)
#   BENCH_NETRA_JAR=path      measure this jar instead of building server/target/netra.jar
#   BENCH_SHARED=dir          the shared folder with tools/ and peers/ (default: ../shared next to the repo)
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
out=$bench/out
work=$out/websocket
logs=$work/logs
shared=${BENCH_SHARED:-$(dirname "$root")/shared}
wsload_src=$shared/tools/wsload
peers=" ${BENCH_PEERS-spring helidon jetty} "
runs=${BENCH_RUNS:-3}
conns=${BENCH_CONNS:-100}
msgs=${BENCH_MSGS:-1000}
warmups=${BENCH_WARMUP_RUNS:-2}
idle=${BENCH_IDLE_CONNS:-10000}
hold_s=${BENCH_HOLD_S:-30}
hold_baseline=${BENCH_HOLD_BASELINE:-1}
jfr=${BENCH_JFR:-1}
maxram=512m   # the simulated instance's memory; the JVM sizes its heap from it (MaxRAM/4)
payload='{"type":"ping"}'   # WS_PAYLOAD for both servers: netra answers pong, the baseline echoes it
preload=$bench/websocket_replies.js

. "$root/bench/lib.sh"

# ---------------------------------------------------------------------------------------------
# Preconditions
[ -f "$wsload_src/wsload.js" ] || die "wsload not found at $wsload_src (set BENCH_SHARED to the folder holding tools/ and peers/)"
for peer in $peers; do
  case $peer in spring|helidon|jetty) ;; *) die "BENCH_PEERS: unknown peer '$peer' (spring, helidon, jetty)" ;; esac
done
has_peer() { [[ "$peers" == *" $1 "* ]]; }
has_peer spring || hold_baseline=0
for n in runs conns msgs idle hold_s; do
  [[ "${!n}" =~ ^[1-9][0-9]*$ ]] || die "$n must be a positive integer, got '${!n}'"
done
for tool in python3 taskset curl pgrep node npm psql ss timeout; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
for dep in 5432:PostgreSQL 6379:Redis; do
  (exec 3<>"/dev/tcp/127.0.0.1/${dep%%:*}") 2>/dev/null \
    || die "${dep#*:} is not reachable on 127.0.0.1:${dep%%:*} (netra and the Spring baseline need it)"
done

# Idle sockets: one descriptor each in the server and in the client (both inherit this shell's
# limit), and one ephemeral port each on the client side.
nofile_hard=$(ulimit -Hn)
nofile_want=65536
[ "$nofile_hard" = unlimited ] || [ "$nofile_hard" -ge $nofile_want ] || nofile_want=$nofile_hard
ulimit -n "$nofile_want" 2>/dev/null || say "could not raise the open-files limit to $nofile_want"
nofile=$(ulimit -n)
[ "$nofile" = unlimited ] || [ "$nofile" -ge $((idle + 1000)) ] \
  || die "open files limit is $nofile (hard $nofile_hard): too low for $idle idle sockets; lower BENCH_IDLE_CONNS"
read -r port_lo port_hi </proc/sys/net/ipv4/ip_local_port_range
[ $((port_hi - port_lo)) -ge $((idle + 1000)) ] \
  || die "only $((port_hi - port_lo)) ephemeral ports ($port_lo-$port_hi): too few for $idle idle sockets"

# netra uses the machine's PostgreSQL and Redis like the baseline, in its own database and key
# prefix (the same as startup.sh), with a signing key made for this run.
bench_db=netra_bench
if [ -z "$(psql -w -h 127.0.0.1 -U postgres -d postgres -Atc "select 1 from pg_database where datname = '$bench_db'")" ]; then
  say "creating database $bench_db for netra"
  psql -w -h 127.0.0.1 -U postgres -d postgres -qc "create database $bench_db" >/dev/null
fi
jwt_secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
# Every socket of the run is the one bench user's, and netra lets a user hold 20 at once on an
# instance by default (one more upgrade gets 429): raise that to what the run opens at once.
sockets_per_user=$((conns > idle ? conns : idle))
[ "$sockets_per_user" -le 10000 ] \
  || die "netra allows at most 10000 sockets per user (CHAT_SOCKETS_PER_USER); lower BENCH_CONNS and BENCH_IDLE_CONNS"
netra_env=(JWT_SECRET_KEY="$jwt_secret" DATABASE_URL="postgres://postgres@127.0.0.1:5432/$bench_db"
  REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX=netra-bench: CHAT_SOCKETS_PER_USER=$sockets_per_user)

# A JDK >= 21 (never the java 17 on PATH).
use_jdk

# CPU pinning: each server gets one CPU (the simulated 1-CPU instance), the load client another
# one when there is one, so the client's work does not steal the server's CPU.
pin_cpus
client_pin=("${other_pin[@]}")

# ---------------------------------------------------------------------------------------------
# Fresh working folders. The copied peers and wsload are read-only like their sources.
[ ! -d "$out" ] || chmod -R u+w "$out"
rm -rf "$work" "$out/springboot-ws" "$out/helidon-echo" "$out/jetty-echo" "$out/wsload"
mkdir -p "$work" "$logs" "$work/runs"

build_netra "$work/netra.jar"
netra_jar=$work/netra.jar
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain -- startup server pom.xml 2>/dev/null || true)

spring_jar=$out/springboot-ws/target/springboot-ws-1.jar
! has_peer spring || build_baseline
# The bare echoes: their jar and its dependencies copied to target/lib (the JVM expands lib/*).
helidon_cp="$out/helidon-echo/target/helidon-echo-1.jar:$out/helidon-echo/target/lib/*"
jetty_cp="$out/jetty-echo/target/jetty-echo-1.jar:$out/jetty-echo/target/lib/*"
! has_peer helidon || build_peer helidon-echo
! has_peer jetty || build_peer jetty-echo
apps=(netra)
for peer in spring helidon jetty; do ! has_peer $peer || apps+=("$peer"); done

say "wsload: copying and installing (npm ci)"
cp -r "$wsload_src" "$out/wsload"
chmod -R u+w "$out/wsload"
(cd "$out/wsload" && npm ci --no-audit --no-fund) >"$logs/npm-ci.log" 2>&1 \
  || { tail -n 30 "$logs/npm-ci.log" >&2; die "npm ci failed in $out/wsload (log: $logs/npm-ci.log)"; }
wsload=$out/wsload/wsload.js
node_version=$(node --version)
ws_version=$(node -p "require('$out/wsload/node_modules/ws/package.json').version")

say "netra: making a token for bench-user"
token=$(env "${netra_env[@]}" NETRA_DATA_DIR="$work/runs/token" "$java" -jar "$netra_jar" token --user bench-user --ttl 1h \
  2>"$logs/token.log") || { cat "$logs/token.log" >&2; die "netra token failed"; }
[[ "$token" =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] || die "netra token printed something else than a JWT"

# ---------------------------------------------------------------------------------------------
# Servers. Sets the global array `cmd` to the command of app $1 on port $2 with extra JVM flags $3...
# `env` and `taskset` exec, so the pid of the background job is the JVM's.
build_cmd() {
  local app=$1 port=$2; shift 2
  local pin=(taskset -c "$app_cpu" "$java" -XX:MaxRAM=$maxram)
  case $app in
    netra) cmd=(env PORT="$port" NETRA_DATA_DIR="$work/runs/netra-$port" "${netra_env[@]}" "${pin[@]}" "${netra_jvm[@]}" "$@"
                -jar "$netra_jar" serve) ;;
    spring) cmd=(env PORT="$port" "${pin[@]}" "$@" -jar "$spring_jar") ;;
    helidon) cmd=(env PORT="$port" "${pin[@]}" "$@" -cp "$helidon_cp" peer.App) ;;
    jetty) cmd=(env PORT="$port" "${pin[@]}" "$@" -cp "$jetty_cp" peer.App) ;;
    *) die "unknown app $app" ;;
  esac
}
ready_path() { case $1 in netra) echo /health/ready ;; spring) echo /actuator/health/readiness ;; *) echo /ready ;; esac; }

# Starts app $1 with log $2 (extra JVM flags $3...); sets server_pid and server_port; waits for ready.
start_server() {
  local app=$1 log=$2 i; shift 2
  server_port=$(free_port)
  [ "$app" != netra ] || mkdir -p "$work/runs/netra-$server_port"
  build_cmd "$app" "$server_port" "$@"
  "${cmd[@]}" >"$log" 2>&1 &
  server_pid=$!
  track "$server_pid"
  for i in $(seq 1 600); do
    if curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$server_port$(ready_path "$app")"; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || { tail -n 20 "$log" >&2; die "$app exited before ready (log: $log)"; }
    sleep 0.2
  done
  die "$app not ready within 120 s (log: $log)"
}
stop_server() { stop_pid "$server_pid"; } # netra exits 0 on SIGTERM, the peers 143: either is fine
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime of the whole process
# cutime + cstime of this shell: the CPU time of every child it has waited for (the load client among them)
children_ticks() { awk '{ print $16 + $17 }' "/proc/$$/stat"; } # $$: echo_run runs in the main shell
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
threads() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }

# Problems in a server log once it is done: warning and error lines (their distinct messages,
# timestamps cut off), exceptions, and any rate limiting.
scan_log() { # app phase log
  local problems
  problems=$(grep -E '\b(WARN|ERROR)\b|Exception|rate_limited' "$3" \
    | sed -E 's/^[0-9T:.Z-]+ +//; s/^[0-9:.]+ +//; s/\b[0-9]+\b/N/g' | cut -c1-200 | sort -u | head -n 3 | paste -sd'|' - || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "${3#"$root"/}" "$(grep -c -E '\b(WARN|ERROR)\b' "$3" || true)" \
    "$(grep -c 'Exception' "$3" || true)" "$(grep -c 'rate_limited' "$3" || true)" "$(printf '%s' "$problems" | tr '\t' ' ')" \
    >>"$work/logs.tsv"
}

url() { echo "ws://127.0.0.1:$server_port/ws/chat"; }

# One echo run of the load client against the running server. $1 = app, $2 = rep, $3 = kind:
#   pong     through bench/websocket_replies.js, netra's connection_established frame hidden from
#            wsload, so every counted reply answers a ping (the measured rows)
#   as-is    wsload exactly as shipped, no preload (reference rows)
#   warmup   like pong, not reported as a result
echo_run() {
  local app=$1 rep=$2 kind=$3 before after client_before client_after t0 t1 line=$work/echo.out
  local pre=()
  [ "$kind" = as-is ] || pre=(-r "$preload")
  before=$(cpu_ticks "$server_pid")
  client_before=$(children_ticks)
  t0=$(date +%s.%N)
  run_tracked env WS_PAYLOAD="$payload" WSLOAD_SKIP_TYPES=connection_established timeout 600 \
    "${client_pin[@]}" node "${pre[@]}" "$wsload" "$(url)" "$conns" "$msgs" echo "$token" >"$line" \
    || die "$app: wsload echo failed: $(cat "$line")"
  t1=$(date +%s.%N)
  after=$(cpu_ticks "$server_pid")
  client_after=$(children_ticks)
  say "$app run $rep ($kind): $(paste -sd' ' "$line")"
  # CPU per message means nothing when part of the connections never opened (a smaller load)
  grep -q ' failed=0 ' "$line" || die "$app: connections failed in the echo run: $(paste -sd' ' "$line")"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$app" "$rep" "$kind" "$(echo "scale=3; ($after - $before) / $clk_tck" | bc)" \
    "$(echo "scale=3; ($client_after - $client_before) / $clk_tck" | bc)" "$(echo "scale=3; ($t1 - $t0) / 1" | bc)" \
    "$(paste -sd' ' "$line")" >>"$work/echo.tsv"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Echo: a fresh JVM per server and run, alternating (netra, spring, helidon, jetty, netra, ...);
# the echoes get the same payload and client as netra (their replies are the ping itself, which the
# client counts like a pong). Each gets $warmups
# unmeasured warm-up runs first, then the measured run, then the reference run with wsload as is.
# Two, not one: every run opens new connections, and their handshakes send other types through the
# read path the JIT compiled for the previous run's sockets. After a single warm-up run, netra's
# measured run still spent about a third of its CPU deoptimizing and recompiling that path; the
# second run settles it, for both servers (bench/README.md).
printf 'app\trep\tkind\tserver_cpu_s\tclient_cpu_s\tclient_wall_s\tline\n' >"$work/echo.tsv"
printf 'app\tphase\tlog\twarn_error_lines\texception_lines\trate_limited_lines\tproblems\n' >"$work/logs.tsv"
for rep in $(seq 1 "$runs"); do
  for app in "${apps[@]}"; do
    log=$logs/$app-echo-$rep.log
    say "$app echo $rep/$runs: starting"
    start_server "$app" "$log"
    for warmup in $(seq 1 "$warmups"); do
      echo_run "$app" "$rep" warmup
    done
    echo_run "$app" "$rep" pong
    echo_run "$app" "$rep" as-is
    stop_server
    scan_log "$app" "echo-$rep" "$log"
  done
done

# ---------------------------------------------------------------------------------------------
# Idle sockets: open $idle authenticated sockets (wsload hold), hold each $hold_s s; every second
# sample the server's VmRSS and threads, the established TCP connections on its port, the client's
# open sockets (from the preload's progress file) and /health/ready (or the baseline's readiness). The client gets $hold_deadline s in all (ramp, hold,
# closing handshakes); past that it is stopped (SIGTERM: the preload still prints its tallies).
hold_deadline=$((hold_s + 120))
hold() { # app
  local app=$1 log=$logs/$1-hold.log samples=$work/hold-$1.tsv line=$work/hold-$1.out hold_pid t0 rss0 thr0 code rc=0
  local progress_opened progress_failed progress_open
  local alive=yes
  say "$app hold: starting"
  start_server "$app" "$log"
  sleep 1
  rss0=$(rss_kb "$server_pid")
  thr0=$(threads "$server_pid")
  printf 't_s\testablished\tclient_opened\tclient_failed\tclient_open\trss_kb\tthreads\tready_code\tready_ms\n' >"$samples"
  rm -f "$work/hold-progress"
  env WS_PAYLOAD="$payload" WSLOAD_PROGRESS="$work/hold-progress" timeout "$hold_deadline" "${client_pin[@]}" \
    node -r "$preload" "$wsload" "$(url)" "$idle" "$hold_s" hold "$token" >"$line" 2>"$logs/$app-hold-client.log" &
  hold_pid=$!
  track "$hold_pid"
  t0=$(date +%s.%N)
  while kill -0 "$hold_pid" 2>/dev/null; do
    code=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 3 \
      "http://127.0.0.1:$server_port$(ready_path "$app")" || true)
    read -r progress_opened progress_failed progress_open 2>/dev/null <"$work/hold-progress" \
      || { progress_opened=; progress_failed=; progress_open=; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(echo "$(date +%s.%N) - $t0" | bc)" \
      "$(ss -Htn state established "( sport = :$server_port )" | wc -l)" \
      "$progress_opened" "$progress_failed" "$progress_open" \
      "$(rss_kb "$server_pid" 2>/dev/null || true)" "$(threads "$server_pid" 2>/dev/null || true)" \
      "${code% *}" "$(echo "${code#* } * 1000 / 1" | bc 2>/dev/null || true)" >>"$samples"
    sleep 1
  done
  wait "$hold_pid" || rc=$?
  untrack "$hold_pid"
  case $rc in
    0) ;;
    124) say "$app hold: the client was still running after $hold_deadline s and was stopped" ;;
    *) die "$app: wsload hold failed (exit $rc): $(cat "$line")" ;;
  esac
  say "$app hold: $(paste -sd' ' "$line")"
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$server_port$(ready_path "$app")" || true)
  kill -0 "$server_pid" 2>/dev/null || alive=no
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$app" "$rss0" "$thr0" "$(rss_kb "$server_pid" 2>/dev/null || true)" \
    "$code" "$alive" "$rc" "$(paste -sd' ' "$line")" >>"$work/hold.tsv"
  stop_server
  scan_log "$app" hold "$log"
}
printf 'app\trss_before_kb\tthreads_before\trss_after_kb\tready_after\talive_after\tclient_exit\tline\n' >"$work/hold.tsv"
hold netra
[ "$hold_baseline" != 1 ] || hold spring

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Profile (not part of the figures above): netra under the same echo load with JFR recording.
if [ "$jfr" = 1 ]; then
  say "netra: profiling an echo run with JFR"
  start_server netra "$logs/netra-jfr.log"
  for warmup in $(seq 1 "$warmups"); do
    echo_run netra jfr warmup
  done
  "$JAVA_HOME/bin/jcmd" "$server_pid" JFR.start name=ws settings=profile filename="$work/netra-echo.jfr" \
    >"$logs/jfr-start.log" 2>&1 || die "JFR.start failed (log: $logs/jfr-start.log)"
  echo_run netra jfr profiled
  echo_run netra jfr profiled
  "$JAVA_HOME/bin/jcmd" "$server_pid" JFR.stop name=ws >"$logs/jfr-stop.log" 2>&1 || die "JFR.stop failed"
  stop_server
  "$JAVA_HOME/bin/jfr" print --events jdk.ExecutionSample --stack-depth 64 "$work/netra-echo.jfr" >"$work/jfr-samples.txt"
  "$JAVA_HOME/bin/jfr" view --width 200 gc-pauses "$work/netra-echo.jfr" >"$work/jfr-gc.txt" 2>&1 || true
  "$JAVA_HOME/bin/jfr" view --width 200 allocation-by-site "$work/netra-echo.jfr" >"$work/jfr-alloc.txt" 2>&1 || true
fi

# ---------------------------------------------------------------------------------------------
# Report: the README section, with the exact commands.
show() { # a command line for humans: repository-relative paths, $JAVA_HOME for the JDK, no secrets
  local s="$*"
  s=${s//"$java"/\$JAVA_HOME/bin/java}
  s=${s//"$JAVA_HOME"/\$JAVA_HOME}
  s=${s//"$root/"/}
  s=${s//"$jwt_secret"/<32+ chars>}
  s=${s//"$token"/\$TOKEN}
  s=${s//"WS_PAYLOAD=$payload"/"WS_PAYLOAD='$payload'"}
  echo "$s"
}
build_cmd netra '<port>'; netra_cmd=$(show "${cmd[@]}"); netra_cmd=${netra_cmd#env }
netra_cmd=${netra_cmd//"bench/out/websocket/runs/netra-<port>"/<fresh dir>}

{
  printf 'key\tvalue\n'
  printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'commit\t%s%s\n' "$commit" "${dirty:+ (with uncommitted changes to the server sources)}"
  printf 'java\t%s\n' "$java_version"
  printf 'node\t%s, ws %s\n' "$node_version" "$ws_version"
  printf 'cpu\t%s, %s CPUs online; the server pinned to CPU %s%s\n' "$cpu_model" "$(nproc --all)" "$app_cpu" \
    "${client_pin[*]:+, the load client to CPU ${cpus[1]}}"
  printf 'load\t%s before, %s after\n' "$load_before" "$load_after"
  printf 'maxram\t%s\n' "$maxram"
  printf 'runs\t%s\n' "$runs"
  printf 'warmups\t%s\n' "$warmups"
  printf 'conns\t%s\n' "$conns"
  printf 'msgs\t%s\n' "$msgs"
  printf 'idle\t%s\n' "$idle"
  printf 'hold_s\t%s\n' "$hold_s"
  printf 'hold_deadline\t%s\n' "$hold_deadline"
  printf 'nofile\t%s (hard %s)\n' "$nofile" "$nofile_hard"
  printf 'jfr\t%s\n' "$jfr"
  printf 'netra_build\t%s\n' "${BENCH_NETRA_JAR:+cp $(netra_jar_shown) bench/out/websocket/netra.jar}"
  printf 'token_cmd\t%s\n' "$(show env "${netra_env[@]}" "$java" -jar "$netra_jar" token --user bench-user --ttl 1h | sed 's/^env //')"
  printf 'netra_cmd\t%s\n' "$netra_cmd"
  printf 'apps\t%s\n' "${apps[*]}"
  for app in "${apps[@]:1}"; do
    build_cmd "$app" '<port>'; c=$(show "${cmd[@]}" | sed -E 's#-cp ([^ ]+)#-cp "\1"#') # lib/* is the JVM's, not the shell's
    printf '%s_cmd\t%s\n' "$app" "${c#env }"
  done
  printf 'echo_cmd\t%s\n' "$(show env WS_PAYLOAD="$payload" WSLOAD_SKIP_TYPES=connection_established "${client_pin[@]}" \
    node -r "$preload" "$wsload" "ws://127.0.0.1:<port>/ws/chat" "$conns" "$msgs" echo "$token" | sed 's/^env //')"
  printf 'asis_cmd\t%s\n' "$(show env WS_PAYLOAD="$payload" "${client_pin[@]}" node "$wsload" "ws://127.0.0.1:<port>/ws/chat" \
    "$conns" "$msgs" echo "$token" | sed 's/^env //')"
  printf 'hold_cmd\t%s\n' "$(show env WS_PAYLOAD="$payload" "${client_pin[@]}" node -r "$preload" "$wsload" \
    "ws://127.0.0.1:<port>/ws/chat" "$idle" "$hold_s" hold "$token" | sed 's/^env //')"
  printf 'jfr_cmd\t%s\n' "$(show "$JAVA_HOME/bin/jcmd") PID JFR.start name=ws settings=profile filename=bench/out/websocket/netra-echo.jfr"
} >"$work/meta.tsv"

python3 "$bench/websocket_report.py" "$work" "$bench/README.md"
say "done: results in bench/README.md, raw numbers in ${work#"$root"/}"
