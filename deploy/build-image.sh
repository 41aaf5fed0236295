#!/usr/bin/env bash
# The container image's build steps, as one script: the Dockerfile's build stage runs it, and CI
# runs it without a Docker engine, so what the image holds is what the tests ran.
#
#   deploy/build-image.sh [--jar JAR] [--train-env FILE] OUT
#
# Into OUT (an absolute path; the image copies it to the same path, since the AOT cache names the
# jar's path):
#   runtime/     a jlink'd Java runtime with just the modules in deploy/modules.txt
#   netra.jar    the service (built with the Maven wrapper, or --jar)
#   netra.aot    the AOT cache (JDK 25+), trained by one real start of the service
#   netra.args   the JVM's arguments, the one place they are written: the image's entrypoint is
#                OUT/runtime/bin/java @OUT/netra.args, and the smoke test below runs exactly that
# then smoke-tests that runtime: `netra --version`, and a short `serve` answering /health/live.
#
# Training and the smoke test run `serve` on the embedded development defaults (an embedded
# PostgreSQL, in-process cache), or with the KEY=VALUE settings of --train-env (a test database).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '[build-image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

jar="" train_env="" out=""
while [ $# -gt 0 ]; do
  case $1 in
    --jar) jar=$2; shift 2 ;;
    --train-env) train_env=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$out" ] || die "one output folder only (see --help)"; out=$1; shift ;;
  esac
done
[ -n "$out" ] || die "no output folder given (see --help)"
case $out in /*) ;; *) die "the output folder must be an absolute path: the AOT cache records the jar's path" ;; esac
[ -z "$train_env" ] || [ -f "$train_env" ] || die "--train-env $train_env does not exist"

. "$root/bin/jdk.sh"
feature=$(java_major "$JAVA_HOME/bin/java")

# The JVM's arguments. Serial GC: on the 1-2 CPUs of a Cloud Run instance the JVM would pick it
# anyway, and naming it keeps the build machine's choice (G1 on many CPUs) out of the AOT cache.
# The heap may take 75% of the container's memory; the rest is metaspace, threads and buffers.
jvm_flags=(-XX:+UseSerialGC -XX:MaxRAMPercentage=75)
# Then the options netra runs with everywhere (deploy/jvm.args, comments dropped: netra.args is itself
# an argument file, and one cannot include another).
mapfile -t -O ${#jvm_flags[@]} jvm_flags < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^[[:space:]]*$/d' "$root/deploy/jvm.args")

# --- 1. the jar --------------------------------------------------------------------------------
mkdir -p "$out"
if [ -z "$jar" ]; then
  say "building the jar (./mvnw -q -B -DskipTests package)"
  (cd "$root" && ./mvnw -q -B -DskipTests package) >&2
  jar=$root/server/target/netra.jar
fi
[ -f "$jar" ] || die "no jar at $jar"
rm -rf "$out/runtime" "$out/netra.jar" "$out/netra.aot" "$out/netra.args"
cp "$jar" "$out/netra.jar"

# --- 2. the modules: jdeps against the one list ------------------------------------------------
modules=$(grep -v '^\s*#' "$root/deploy/modules.txt" | grep -v '^\s*$' | paste -sd, -)
say "jdeps: which JDK modules netra.jar needs"
needed=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --multi-release "$feature" --print-module-deps "$out/netra.jar")
for m in ${needed//,/ }; do
  case ",$modules," in *",$m,"*) ;; *) die "netra.jar needs module $m, which deploy/modules.txt lacks: add it there" ;; esac
done

# --- 3. the runtime ----------------------------------------------------------------------------
say "jlink: a runtime of $modules"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 --output "$out/runtime"
java=$out/runtime/bin/java

# --- 4. the arguments file and the AOT cache -----------------------------------------------------
free_port() { # a port nothing listens on right now
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
http_status() { # port path: the HTTP status of GET path, or nothing
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" "$2" >&3 \
    && head -n 1 <&3 | cut -d" " -f2' _ "$1" "$2" 2>/dev/null || true
}
settings=()
if [ -n "$train_env" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in ''|'#'*) ;; *) settings+=("$line") ;; esac
  done <"$train_env"
fi
# Logs and the runs' data folders live outside OUT (which the image copies) and go on success.
work=$(mktemp -d)
chmod 755 "$work" # as root the embedded PostgreSQL runs as nobody, which must be able to enter its folder
pid=""
stop() { [ -z "$pid" ] || { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; }; }
trap stop EXIT
# serve LOG JVM-ARGS...: starts the service in the background with a clean environment; sets pid and port
serve() {
  local log=$1; shift
  port=$(free_port)
  local data
  data=$(mktemp -d "$work/data.XXXXXX")
  chmod 755 "$data"
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" PORT="$port" NETRA_DATA_DIR="$data" "${settings[@]}" "$java" "$@" serve >"$log" 2>&1 &
  pid=$!
}
await_ok() { # path seconds: waits for 200 on path while the service runs
  local i
  for i in $(seq 1 $(($2 * 5))); do
    [ "$(http_status "$port" "$1")" = 200 ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

if [ "$feature" -ge 25 ]; then
  printf '%s\n' -XX:AOTCache="$out/netra.aot" "${jvm_flags[@]}" -jar "$out/netra.jar" >"$out/netra.args"
  # Training: one real start that reaches READY and answers the health routes (the paths every
  # start takes), then SIGTERM: the JVM writes the cache as it exits.
  say "training the AOT cache with one start of the service"
  serve "$work/training.log" -XX:AOTCacheOutput="$out/netra.aot" "${jvm_flags[@]}" -jar "$out/netra.jar"
  await_ok /health/ready 180 || { tail -n 30 "$work/training.log" >&2; die "the training start never became ready (log: $work/training.log)"; }
  for path in /health/startup /health/ready /health /health/live; do http_status "$port" "$path" >/dev/null; done
  stop
  [ -s "$out/netra.aot" ] || { tail -n 30 "$work/training.log" >&2; die "training wrote no AOT cache (log: $work/training.log)"; }
  smoke_flags=(-XX:AOTMode=on) # the smoke test refuses to start when the cache cannot be used
else
  say "JDK $feature: no AOT cache before JDK 25; the image runs without one"
  printf '%s\n' "${jvm_flags[@]}" -jar "$out/netra.jar" >"$out/netra.args"
  smoke_flags=()
fi

# --- 5. smoke test of exactly what the image runs --------------------------------------------
say "smoke test: netra --version"
version=$("$java" "${smoke_flags[@]}" "@$out/netra.args" --version) || die "the runtime cannot run netra --version"
case $version in "netra "*) ;; *) die "netra --version printed '$version'" ;; esac
say "smoke test: serve, /health/live"
serve "$work/smoke.log" "${smoke_flags[@]}" "@$out/netra.args"
await_ok /health/live 60 || { tail -n 30 "$work/smoke.log" >&2; die "the runtime's serve never answered /health/live (log: $work/smoke.log)"; }
await_ok /health/ready 180 || { tail -n 30 "$work/smoke.log" >&2; die "the runtime's serve never became ready (log: $work/smoke.log)"; }
stop
rm -rf "$work"
say "done: $version in $out ($(du -sh "$out/runtime" | cut -f1) runtime$([ -f "$out/netra.aot" ] && echo ", $(du -sh "$out/netra.aot" | cut -f1) AOT cache"))"
