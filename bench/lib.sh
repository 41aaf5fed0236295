# Shared by the benchmark scripts (sourced, not run): logging, and the process bookkeeping that
# stops everything a script started when it exits, Ctrl-C included, and the two builds both
# scripts need. Needs $root, $out and $logs.

# The JVM options netra runs with everywhere (see deploy/jvm.args): every netra a benchmark starts gets them.
netra_jvm=(@"$root/deploy/jvm.args")

say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Process bookkeeping: the whole tree below each tracked pid is stopped, leaves first (the JVM
# before the probe that waits for it). A JVM stopped during an AOT training run starts a child
# JVM to write its cache, so the trees are looked at again for up to 10 s.
tracked=()
track() { tracked+=("$1"); }
untrack() {
  local keep=() p
  for p in "${tracked[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  tracked=("${keep[@]}")
}
descendants() {
  local kid
  for kid in $(pgrep -P "$1" || true); do echo "$kid"; descendants "$kid"; done
}
stop_tracked() {
  local seen=" " all p i
  for i in $(seq 1 50); do
    all=()
    for p in "${tracked[@]}"; do kill -0 "$p" 2>/dev/null && all+=("$p"); all+=($(descendants "$p")); done
    [ ${#all[@]} -gt 0 ] || return 0
    for p in "${all[@]}"; do
      [ -z "$(pgrep -P "$p")" ] || continue # not a leaf yet
      case $seen in *" $p "*) ;; *) kill -TERM "$p" 2>/dev/null || true; seen+="$p " ;; esac
    done
    sleep 0.2
  done
  kill -KILL "${all[@]}" 2>/dev/null || true
}
on_exit() {
  local rc=$?
  stop_tracked
  [ $rc -eq 0 ] || say "stopped (exit $rc); logs are in ${logs:-$root/bench/out}"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command in the background so the traps can reach it while we wait.
run_tracked() {
  "$@" &
  local pid=$! rc=0
  track "$pid"
  wait "$pid" || rc=$?
  untrack "$pid"
  return $rc
}

free_port() { # a port that is free on 127.0.0.1 right now
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Builds netra (or takes BENCH_NETRA_JAR) and copies the jar to $1, so a rebuild during the run
# changes neither the measured jar nor a cache trained on it.
build_netra() {
  if [ -n "${BENCH_NETRA_JAR:-}" ]; then
    [ -f "$BENCH_NETRA_JAR" ] || die "BENCH_NETRA_JAR=$BENCH_NETRA_JAR does not exist"
    say "netra: using $BENCH_NETRA_JAR (not building)"
    cp "$BENCH_NETRA_JAR" "$1"
  else
    say "netra: building (./mvnw -q -B -DskipTests install)"
    (cd "$root" && ./mvnw -q -B -DskipTests install) >"$logs/build-netra.log" 2>&1 \
      || { tail -n 30 "$logs/build-netra.log" >&2; die "netra build failed (log: $logs/build-netra.log)"; }
    cp "$root/server/target/netra.jar" "$1"
  fi
}

# BENCH_NETRA_JAR as a report shows it: inside the project, its path there; elsewhere, its name only
# (a path on this machine means nothing to a reader).
netra_jar_shown() {
  local given=${BENCH_NETRA_JAR#"$root"/}
  [[ "$given" != /* ]] || given="<BENCH_NETRA_JAR: $(basename "$given")>"
  printf '%s' "$given"
}

# Installs the npm package ws at $ws_version into $2 (a client folder, as package $1) for a load client.
install_ws_client() {
  local name=$1 dir=$2
  say "load client: installing ws $ws_version (npm)"
  mkdir -p "$dir"
  printf '{ "name": "%s", "private": true, "dependencies": { "ws": "%s" } }\n' "$name" "$ws_version" >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --prefer-offline) >"$logs/npm-install.log" 2>&1 \
    || { tail -n 30 "$logs/npm-install.log" >&2; die "npm install failed in $dir (log: $logs/npm-install.log)"; }
}

# Builds the shared peer $1 (a folder name under $shared/peers) from a copy in $out/$2 (default $1;
# the shared folder is read-only) with our Maven wrapper and any further Maven arguments $3...;
# the build log goes to $logs/build-$2.log.
build_peer() {
  local name=$1 dest=${2:-$1}
  shift $(($# < 2 ? $# : 2))
  [ -f "$shared/peers/$name/pom.xml" ] || die "peer $name not found at $shared/peers/$name"
  say "$dest: copying and building"
  rm -rf "${out:?}/$dest"
  cp -r "$shared/peers/$name" "$out/$dest"
  chmod -R u+w "$out/$dest"
  "$root/mvnw" -q -B -f "$out/$dest/pom.xml" package -DskipTests "$@" >"$logs/build-$dest.log" 2>&1 \
    || { tail -n 30 "$logs/build-$dest.log" >&2; die "$dest build failed (log: $logs/build-$dest.log)"; }
}

# The Spring Boot baseline, built like every peer; sets spring_jar.
build_baseline() {
  build_peer springboot-ws
  spring_jar=$out/springboot-ws/target/springboot-ws-1.jar
}

# A JDK >= 21 (never the java 17 on PATH), found by the project's own finder; sets java and
# java_version (runtime version and vendor, for the report).
use_jdk() {
  # shellcheck source=../bin/jdk.sh
  . "$root/bin/jdk.sh"
  java=$JAVA_HOME/bin/java
  java_version=$("$java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.runtime\.version = //p;s/^ *java\.vendor = //p' | paste -sd' ' -)
}

# CPU pinning: the measured JVM gets the first CPU this process may use (the simulated 1-CPU
# instance); the load client or probe gets the second when there is one (other_pin, a taskset
# prefix, empty on one CPU), so its work does not steal the measured CPU. Sets cpus, app_cpu,
# other_pin, cpu_model and clk_tck.
pin_cpus() {
  read -r -a cpus <<<"$(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0)))')"
  app_cpu=${cpus[0]}
  other_pin=()
  [ ${#cpus[@]} -lt 2 ] || other_pin=(taskset -c "${cpus[1]}")
  cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  clk_tck=$(getconf CLK_TCK)
}

# Waits until netra (process $1) answers 200 on /health/ready and on /health/startup (which answers
# 200 only once the service opened its routes) at port $2; dies with the end of its log $3 when it
# exits first or is not ready within 180 s.
wait_ready() {
  local i
  for i in $(seq 1 900); do
    curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$2/health/ready" \
      && curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$2/health/startup" && return 0
    kill -0 "$1" 2>/dev/null || { tail -n 20 "$3" >&2; die "netra exited before ready (log: $3)"; }
    sleep 0.2
  done
  die "netra not ready within 180 s (log: $3)"
}

# Stops process $1 with SIGTERM and waits up to 20 s for it (then SIGKILL); untracks it.
stop_pid() {
  local i
  kill -TERM "$1" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  untrack "$1"
}

# The machine's PostgreSQL (127.0.0.1:5432, user postgres, trust): psql on database $1, then the rest.
pg() { local db=$1; shift; psql -w -h 127.0.0.1 -U postgres -d "$db" -v ON_ERROR_STOP=1 "$@"; }
