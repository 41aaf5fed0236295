#!/usr/bin/env bash
# Startup benchmark: time to listen, time to ready and RSS of netra, of the Spring Boot baseline and
# of the Quarkus peer, on a simulated 1-CPU / 512 MiB instance, with and without a JDK 25 AOT cache,
# in one run.
# Writes the results section of bench/README.md (between the startup:begin/end markers).
#
#   bench/startup.sh
#
# Environment (all optional):
#   BENCH_RUNS=5            measured runs per configuration
#   BENCH_NETRA_ENV="A=1 B=2"  extra env assignments for netra only (split on spaces, values cannot
#                           contain spaces). Unset: netra uses the machine's PostgreSQL and Redis, like
#                           the baseline (see default_netra_env); set but empty: development defaults.
#   BENCH_NETRA_JAR=path    measure this jar instead of building server/target/netra.jar
#   BENCH_REFERENCE=1       also measure the peer variants the main rows do not use (0 to skip): Spring's
#                           other two jar/cache combinations, and Quarkus with the cache its build makes
#   BENCH_PEERS="spring quarkus"  the peers measured beside netra (a quick try can leave one out)
#   BENCH_SHARED=dir        the shared folder with tools/ and peers/ (default: ../shared next to the repo)
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
out=$bench/out
shared=${BENCH_SHARED:-$(dirname "$root")/shared}
probe=$shared/tools/startup_probe.py
runs=${BENCH_RUNS:-5}
reference=${BENCH_REFERENCE:-1}
peers=" ${BENCH_PEERS-spring quarkus} "
maxram=512m   # the simulated instance's memory; the JVM sizes its heap from it (MaxRAM/4)

. "$root/bench/lib.sh"

# ---------------------------------------------------------------------------------------------
# Preconditions
[ -f "$probe" ] || die "probe not found at $probe (set BENCH_SHARED to the folder holding tools/ and peers/)"
for peer in $peers; do
  case $peer in spring|quarkus) ;; *) die "BENCH_PEERS: unknown peer '$peer' (spring, quarkus)" ;; esac
done
has_peer() { [[ "$peers" == *" $1 "* ]]; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, got '$runs'"
for tool in python3 taskset curl pgrep; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
# The peers connect to both at startup; without them their numbers mean nothing.
for dep in 5432:PostgreSQL 6379:Redis; do
  (exec 3<>"/dev/tcp/127.0.0.1/${dep%%:*}") 2>/dev/null \
    || die "${dep#*:} is not reachable on 127.0.0.1:${dep%%:*} (the peers need it)"
done

# netra's development default starts an embedded PostgreSQL; the baseline uses the machine's
# PostgreSQL and Redis, so by default ours does too (its own database and key prefix, so that its
# migrations and keys stay out of everything else on that server).
bench_db=netra_bench
default_netra_env="DATABASE_URL=postgres://postgres@127.0.0.1:5432/$bench_db REDIS_URL=redis://127.0.0.1:6379"
default_netra_env+=" REDIS_KEY_PREFIX=netra-bench:"
netra_env_text=${BENCH_NETRA_ENV-$default_netra_env}
netra_env=()
read -r -a netra_env <<<"$netra_env_text"
for assignment in "${netra_env[@]}"; do
  [[ "$assignment" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "BENCH_NETRA_ENV: '$assignment' is not NAME=value"
done
if [ -z "${BENCH_NETRA_ENV+set}" ]; then
  command -v psql >/dev/null || die "psql is required to create the database $bench_db (or set BENCH_NETRA_ENV)"
  # -w: never prompt; the default assumes trust auth for user postgres on 127.0.0.1
  if [ -z "$(psql -w -h 127.0.0.1 -U postgres -d postgres -Atc "select 1 from pg_database where datname = '$bench_db'")" ]; then
    say "creating database $bench_db for netra"
    psql -w -h 127.0.0.1 -U postgres -d postgres -qc "create database $bench_db" >/dev/null
  fi
fi

# A JDK >= 21 (never the java 17 on PATH).
use_jdk
java_feature=$(java_major "$java")
aot=1
if [ "$java_feature" -lt 25 ]; then
  aot=0
  say "JDK $java_feature at $JAVA_HOME: no -XX:AOTCacheOutput before JDK 25, the AOT rows are skipped"
fi

# CPU pinning: the app gets one CPU, the probe (a stand-in for the platform's probe, which runs
# outside the instance) another one when there is one, so its polling does not steal the app's CPU.
pin_cpus
probe_pin=("${other_pin[@]}")

# ---------------------------------------------------------------------------------------------
# Fresh working folder. The copied baseline is read-only like its source, so make it writable first.
[ ! -d "$out" ] || chmod -R u+w "$out"
rm -rf "$out"/springboot-ws "$out"/quarkus-ws "$out"/quarkus-ws-appcds "$out"/netra "$out"/aot "$out"/logs "$out"/runs "$out"/startup
mkdir -p "$out"/netra "$out"/aot "$out"/logs "$out"/runs "$out"/startup
logs=$out/logs

# Build ours. The jar is copied out of server/target so a rebuild by someone else during the
# benchmark neither changes what is measured nor invalidates the AOT cache (it checks the jar).
build_netra "$out/netra/netra.jar"
netra_jar=$out/netra/netra.jar
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain -- startup server pom.xml 2>/dev/null || true)

spring_jar=$out/springboot-ws/target/springboot-ws-1.jar
spring_xjar=$out/springboot-ws/extracted/springboot-ws-1.jar
if has_peer spring; then
  build_baseline
  # The JVM caches only classes from plain jars on the class path, not those nested in a fat jar, so
  # Spring Boot documents the AOT cache for the extracted form (reference, Packaging > AOT Cache):
  # the baseline's AOT row runs that form; the fat jar with a cache is a reference row.
  "$java" -Djarmode=tools -jar "$spring_jar" extract --destination "$out/springboot-ws/extracted" \
    >"$logs/extract-springboot.log" 2>&1 || die "extracting the baseline failed (log: $logs/extract-springboot.log)"
fi

# Quarkus 3.27 in JVM mode, its default fast-jar layout. Its database and Redis are given
# explicitly (the values of its application.properties): the same PostgreSQL server and Redis as
# the other two. Quarkus 3.27 has no AOT packaging of its own (the aot-jar type and
# quarkus.package.jar.aot.enabled came later); its quarkus.package.jar.appcds.use-aot builds the
# cache from this same quarkus-run.jar with the JDK's record/create flags during the build, where
# the app stops before it connects anywhere. The AOT row trains the fast-jar like the other rows
# instead: a full start to ready, the health requests, SIGTERM; a reference row runs the cache
# Quarkus's build makes, from its folder (the cache names the jar by a relative path).
quarkus_jar=$out/quarkus-ws/target/quarkus-app/quarkus-run.jar
quarkus_build_dir=$out/quarkus-ws-appcds/target/quarkus-app
quarkus_build_flags=(-Dquarkus.package.jar.appcds.enabled=true -Dquarkus.package.jar.appcds.use-aot=true)
quarkus_env=(QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:5432/postgres QUARKUS_DATASOURCE_USERNAME=postgres
  QUARKUS_REDIS_HOSTS=redis://127.0.0.1:6379)
if has_peer quarkus; then
  build_peer quarkus-ws
  [ -f "$quarkus_jar" ] || die "the Quarkus build made no $quarkus_jar (log: $logs/build-quarkus-ws.log)"
  if [ "$reference" = 1 ] && [ $aot -eq 1 ]; then
    build_peer quarkus-ws quarkus-ws-appcds "${quarkus_build_flags[@]}"
    [ -s "$quarkus_build_dir/app.aot" ] \
      || die "the Quarkus build made no AOT cache $quarkus_build_dir/app.aot (log: $logs/build-quarkus-ws-appcds.log)"
  fi
fi

# ---------------------------------------------------------------------------------------------
# Configurations: id | label | app | mode | role (main rows are compared; reference rows are context)
# Round-robin in this order: netra, then the peers, plain JVMs first.
configs=("netra-jvm|netra (JVM, no AOT)|netra|jvm|main")
! has_peer quarkus || configs+=("quarkus-jvm|quarkus (JVM)|quarkus|jvm|main")
! has_peer spring || configs+=("spring-jvm|spring-boot (JVM)|spring|jvm|main")
if [ $aot -eq 1 ]; then
  configs+=("netra-aot|netra (AOT cache)|netra|aot|main")
  ! has_peer quarkus || configs+=("quarkus-aot|quarkus (AOT cache)|quarkus|aot|main")
  ! has_peer spring || configs+=("spring-aot|spring-boot (AOT cache)|spring|aot|main")
fi
if [ "$reference" = 1 ] && has_peer quarkus; then
  [ $aot -eq 0 ] || configs+=("quarkus-aot-build|quarkus (AOT cache made by its build)|quarkus|aot|reference")
fi
if [ "$reference" = 1 ] && has_peer spring; then
  configs+=("spring-jvm-extracted|spring-boot (JVM, extracted jar)|spring|jvm|reference")
  [ $aot -eq 0 ] || configs+=("spring-aot-fatjar|spring-boot (AOT cache, fat jar)|spring|aot|reference")
fi

# Sets the global array `cmd` to the server command of configuration $1 (without PORT: the probe
# sets it), with extra JVM flags $3...; $2 is netra's fresh data folder (ignored for the peers).
# Every variant runs on CPU $app_cpu with -XX:MaxRAM, training runs included: the JVM picks its
# GC from CPU count and memory (Serial on 1 CPU, G1 on 2), and the cache should see what it serves.
build_cmd() {
  local id=$1 data=$2; shift 2
  local pin=(taskset -c "$app_cpu" "$java" -XX:MaxRAM=$maxram)
  case $id in
    netra-jvm) cmd=(env NETRA_DATA_DIR="$data" "${netra_env[@]}" "${pin[@]}" "${netra_jvm[@]}" "$@" -jar "$netra_jar" serve) ;;
    netra-aot) cmd=(env NETRA_DATA_DIR="$data" "${netra_env[@]}" "${pin[@]}" "${netra_jvm[@]}" -XX:AOTCache="$out/aot/netra.aot" "$@"
                    -jar "$netra_jar" serve) ;;
    quarkus-jvm) cmd=(env "${quarkus_env[@]}" "${pin[@]}" "$@" -jar "$quarkus_jar") ;;
    quarkus-aot) cmd=(env "${quarkus_env[@]}" "${pin[@]}" -XX:AOTCache="$out/aot/quarkus.aot" "$@" -jar "$quarkus_jar") ;;
    quarkus-aot-build) cmd=(env -C "$quarkus_build_dir" "${quarkus_env[@]}" "${pin[@]}" -XX:AOTCache=app.aot "$@"
                            -jar quarkus-run.jar) ;;
    spring-jvm) cmd=("${pin[@]}" "$@" -jar "$spring_jar") ;;
    spring-jvm-extracted) cmd=("${pin[@]}" "$@" -jar "$spring_xjar") ;;
    spring-aot) cmd=("${pin[@]}" -XX:AOTCache="$out/aot/spring-extracted.aot" "$@" -jar "$spring_xjar") ;;
    spring-aot-fatjar) cmd=("${pin[@]}" -XX:AOTCache="$out/aot/spring-fatjar.aot" "$@" -jar "$spring_jar") ;;
    *) die "unknown configuration $id" ;;
  esac
}
ready_path() { case $1 in netra-*) echo /health/ready ;; quarkus-*) echo /q/health/ready ;; *) echo /actuator/health/readiness ;; esac; }

# ---------------------------------------------------------------------------------------------
# AOT training: start with -XX:AOTCacheOutput, wait until ready, exercise the startup paths, let
# the start settle for a second, SIGTERM; the JVM records at exit and then assembles the cache in a
# child JVM, so wait for it. (Quarkus stopped in the moment it first answered ready wrote no cache
# at all in a trial; a second later it did, every time.)
train() { # id cache request-paths...
  local id=$1 cache=$2; shift 2
  local port log=$logs/$id-training.log data=$out/runs/$id-training pid i ready path
  port=$(free_port)
  mkdir -p "$data"
  rm -f "$cache"
  case $id in # training runs the same jar as the configuration that uses the cache
    netra-aot) build_cmd netra-jvm "$data" -XX:AOTCacheOutput="$cache" ;;
    quarkus-aot) build_cmd quarkus-jvm "$data" -XX:AOTCacheOutput="$cache" ;;
    spring-aot) build_cmd spring-jvm-extracted "$data" -XX:AOTCacheOutput="$cache" ;;
    spring-aot-fatjar) build_cmd spring-jvm "$data" -XX:AOTCacheOutput="$cache" ;;
  esac
  say "$id: training the AOT cache"
  PORT=$port "${cmd[@]}" >"$log" 2>&1 &
  pid=$!
  track "$pid"
  ready=0
  for i in $(seq 1 600); do
    if curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port$(ready_path "$id")"; then ready=1; break; fi
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$log" >&2; die "$id: training run exited before ready (log: $log)"; }
    sleep 0.2
  done
  [ $ready -eq 1 ] || die "$id: training run not ready within 120 s (log: $log)"
  for path in "$@"; do
    curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$port$path" || true
  done
  sleep 1
  kill -TERM "$pid"
  for i in $(seq 1 900); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && die "$id: training JVM still running 180 s after SIGTERM (log: $log)"
  wait "$pid" || true # ours exits 0 on SIGTERM, the peers 143: both are fine here
  untrack "$pid"
  [ -s "$cache" ] || { tail -n 20 "$log" >&2; die "$id: training wrote no AOT cache (log: $log)"; }
}

if [ $aot -eq 1 ]; then
  train netra-aot "$out/aot/netra.aot" /health/ready /health/startup /health /health/live /api/threads
  ! has_peer quarkus || train quarkus-aot "$out/aot/quarkus.aot" /q/health/ready /q/health /q/health/live
  ! has_peer spring || train spring-aot "$out/aot/spring-extracted.aot" /actuator/health/readiness /actuator/health
  [ "$reference" != 1 ] || ! has_peer spring || train spring-aot-fatjar "$out/aot/spring-fatjar.aot" /actuator/health/readiness /actuator/health
fi

# ---------------------------------------------------------------------------------------------
# One probed start. Output: "listen_s=.. ready_s=.. rss_mb=.." in $out/startup/probe.out.
# The probe discards the server's output, so the command redirects it into a log itself; `exec`
# all the way down (sh, env, taskset) keeps the JVM at the pid the probe measures and stops.
probe_once() { # id log extra-jvm-flags...
  local id=$1 log=$2; shift 2
  local data port
  data=$(mktemp -d "$out/runs/$id.XXXXXX") # netra's NETRA_DATA_DIR: fresh for every start
  chmod 755 "$data" # as root the embedded PostgreSQL runs as nobody, which must be able to enter it
  port=$(free_port)
  build_cmd "$id" "$data" "$@"
  run_tracked "${probe_pin[@]}" python3 "$probe" "$port" "$(ready_path "$id")" -- \
    sh -c 'log=$1; shift; exec "$@" >"$log" 2>&1' sh "$log" "${cmd[@]}" >"$out/startup/probe.out"
}
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" "$out/startup/probe.out"; }

# One unmeasured start per configuration warms the page cache; for AOT rows it runs with
# -XX:AOTMode=on, which makes the JVM refuse to start when the cache cannot be used (a silently
# ignored cache would otherwise be reported as an AOT number).
for c in "${configs[@]}"; do
  IFS='|' read -r id label app mode role <<<"$c"
  flags=()
  [ "$mode" != aot ] || flags=(-XX:AOTMode=on)
  say "$id: check run"
  probe_once "$id" "$logs/$id-check.log" "${flags[@]}"
  [ "$(field ready_s)" != None ] || { tail -n 20 "$logs/$id-check.log" >&2
    die "$id: check run never became ready: $(cat "$out/startup/probe.out") (log: $logs/$id-check.log)"; }
done

# Other work on the machine competes for the pinned CPU; the load average goes into the report.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# Measured runs, round-robin over the configurations (ours, the peers, ours, ...) so that a slow
# phase of the machine hits every configuration alike.
results=$out/startup/results.tsv
printf 'id\trun\tlisten_s\tready_s\trss_mb\tlog\n' >"$results"
for run in $(seq 1 "$runs"); do
  for c in "${configs[@]}"; do
    IFS='|' read -r id label app mode role <<<"$c"
    log=$logs/$id-$run.log
    probe_once "$id" "$log"
    say "$id run $run/$runs: $(cat "$out/startup/probe.out")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$run" "$(field listen_s)" "$(field ready_s)" "$(field rss_mb)" \
      "${log#"$root"/}" >>"$results"
  done
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Report: the README section, with the exact commands.
mask() { # the README is committed: hide secrets passed through BENCH_NETRA_ENV
  sed -E 's#(://[^:/@ ]+:)[^@ ]+@#\1***@#g; s#(\b[A-Za-z_]*(SECRET|PASSWORD|TOKEN|KEY)=)[^ ]+#\1***#g'
}
show() { # a command line for humans: repository-relative paths, $JAVA_HOME for the JDK
  local s="$*"
  s=${s//"$java"/\$JAVA_HOME/bin/java}
  s=${s//"$root/"/}
  echo "$s" | mask
}
{
  printf 'id\tlabel\tapp\tmode\trole\tcommand\n'
  for c in "${configs[@]}"; do
    IFS='|' read -r id label app mode role <<<"$c"
    build_cmd "$id" '<fresh dir>'
    cmdline=$(show "${cmd[@]}")
    cmdline=${cmdline#env }
    if [[ "$cmdline" == "-C "* ]]; then # run from a folder: env -C DIR ...
      cmdline=${cmdline#-C }
      cmdline="cd ${cmdline%% *} && PORT=<free port> ${cmdline#* }"
    else
      cmdline="PORT=<free port> $cmdline"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$label" "$app" "$mode" "$role" "$cmdline"
  done
} >"$out/startup/configs.tsv"
{
  printf 'key\tvalue\n'
  printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'commit\t%s%s\n' "$commit" "${dirty:+ (with uncommitted changes to the server sources)}"
  printf 'java\t%s\n' "$java_version"
  printf 'java_feature\t%s\n' "$java_feature"
  printf 'cpu\t%s, %s CPUs online; the app pinned to CPU %s%s\n' "$cpu_model" "$(nproc --all)" "$app_cpu" \
    "${probe_pin[*]:+, the probe to CPU ${cpus[1]}}"
  printf 'load\t%s before the measured starts, %s after\n' "$load_before" "$load_after"
  printf 'maxram\t%s\n' "$maxram"
  printf 'runs\t%s\n' "$runs"
  printf 'aot\t%s\n' "$aot"
  printf 'netra_env\t%s\n' "$(echo "$netra_env_text" | mask)"
  printf 'peers\t%s\n' "$(echo $peers)"
  printf 'probe\t%s\n' "$(show "${probe_pin[@]}" python3 ../shared/tools/startup_probe.py) PORT READY_PATH -- CMD..."  # the path as written from the repo root, not this machine's
  printf 'netra_build\t%s\n' "${BENCH_NETRA_JAR:+cp $(netra_jar_shown) bench/out/netra/netra.jar}"
  printf 'train_netra\t%s\n' "$(build_cmd netra-jvm '<fresh dir>' -XX:AOTCacheOutput="$out/aot/netra.aot"; show "${cmd[@]}")"
  printf 'train_quarkus\t%s\n' "$(build_cmd quarkus-jvm x -XX:AOTCacheOutput="$out/aot/quarkus.aot"; show "${cmd[@]}" | sed 's/^env //')"
  printf 'quarkus_build_flags\t%s\n' "${quarkus_build_flags[*]}"
  printf 'train_spring\t%s\n' "$(build_cmd spring-jvm-extracted x -XX:AOTCacheOutput="$out/aot/spring-extracted.aot"; show "${cmd[@]}")"
  printf 'train_spring_fat\t%s\n' "$(build_cmd spring-jvm x -XX:AOTCacheOutput="$out/aot/spring-fatjar.aot"; show "${cmd[@]}")"
} >"$out/startup/meta.tsv"

python3 "$bench/startup_report.py" "$out/startup" "$bench/README.md"
say "done: results in bench/README.md, raw numbers in ${results#"$root"/}"
