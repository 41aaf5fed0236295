#!/usr/bin/env bash
# Flapping benchmark: two instances share PostgreSQL and Redis, and both flap under load (black-holed
# or refused for 2-5 s, every few seconds), while users ask questions from two sockets each, one on
# each instance, behaving like the web page. It runs the suite's ChatFlappingIT for longer and with
# more users, and writes its counts (all must be 0) and each outage against how long users waited
# into bench/README.md (between the flapping:begin/end markers).
#
#   bench/flapping.sh
#
# Environment (all optional):
#   BENCH_FLAP_USERS=30      users, each with two sockets (one per instance)
#   BENCH_FLAP_SECONDS=240   seconds of load
#   BENCH_FLAP_EVERY=20      seconds from one outage to the next
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
out=$bench/out/flapping
users=${BENCH_FLAP_USERS:-30}
seconds=${BENCH_FLAP_SECONDS:-240}
every=${BENCH_FLAP_EVERY:-20}
mkdir -p "$out"
cd "$root"
. bin/jdk.sh

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "[bench] flapping: $users users x 2 sockets, $seconds s, an outage every $every s (a few minutes more to settle)" >&2
./mvnw -B -q verify -pl server -am -Dtest=NoneTest -Dit.test=ChatFlappingIT -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfailsafe.failIfNoSpecifiedTests=false -Dnetra.flap.users="$users" -Dnetra.flap.seconds="$seconds" \
  -Dnetra.flap.every="$every" > "$out/maven.log" 2>&1 && status=passed || status=FAILED
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
grep '^\[flapping\]' "$out/maven.log" | sed 's/^\[flapping\] *//' > "$out/report.txt" || true
[ -s "$out/report.txt" ] || { echo "[bench] no report; see $out/maven.log" >&2; exit 1; }

section=$(mktemp)
{
  echo "<!-- flapping:begin -->"
  echo "Measured $(date -u +%Y-%m-%d) with \`bench/flapping.sh\` (BENCH_FLAP_USERS=$users, BENCH_FLAP_SECONDS=$seconds,"
  echo "BENCH_FLAP_EVERY=$every) on $(nproc) CPUs, load average $load_before before and $load_after after (1, 5, 15 min);"
  echo "the test $status. Each outage, then the counts:"
  echo
  echo '```'
  cat "$out/report.txt"
  echo '```'
  echo "<!-- flapping:end -->"
} > "$section"
python3 - "$bench/README.md" "$section" <<'PY'
import sys, re
readme, section = sys.argv[1], open(sys.argv[2]).read().rstrip('\n')
text = open(readme).read()
if '<!-- flapping:begin -->' in text:
    text = re.sub(r'<!-- flapping:begin -->.*?<!-- flapping:end -->', lambda m: section, text, flags=re.S)
else:
    text = text.rstrip('\n') + '\n\n## Chat under flapping dependencies\n\n' + section + '\n'
open(readme, 'w').write(text)
PY
rm -f "$section"
echo "[bench] flapping: $status; bench/README.md updated" >&2
[ "$status" = passed ]
