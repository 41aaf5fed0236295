#!/usr/bin/env bash
# Called by bench/agent_client.js (through bench/agent.sh) at the start and the end of the counted
# runs, outside every timed run:
#
#   MARK_OUT=file MARK_JVM=pid [MARK_DB=database | MARK_DB_TREE=1] bench/agent_mark.sh LABEL
#
# appends one line to MARK_OUT:  LABEL jvm_ticks pid:ticks,... group:ticks,...
# the JVM's utime + stime; that of each database backend (the backends of database MARK_DB on the
# machine's PostgreSQL, or with MARK_DB_TREE=1 the JVM's descendant processes: an embedded
# PostgreSQL); and the JVM's by thread group: the carriers of the virtual threads (the runs' work),
# the JIT compilers, GC and the rest.
set -euo pipefail

ticks() { # utime + stime of /proc/$1 (a process or a thread); the name before ") " may hold spaces
  sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0
}
descendants() { local k; for k in $(pgrep -P "$1" || true); do echo "$k"; descendants "$k"; done; }

if [ -n "${MARK_DB:-}" ]; then
  pids=$(psql -w -h 127.0.0.1 -U postgres -d postgres -Atc \
    "select pid from pg_stat_activity where datname = '$MARK_DB' and pid <> pg_backend_pid()")
elif [ "${MARK_DB_TREE:-0}" = 1 ]; then
  pids=$(descendants "$MARK_JVM")
else
  pids=
fi
db=
for p in $pids; do db+="$p:$(ticks "$p"),"; done

groups=$(for t in /proc/"$MARK_JVM"/task/*; do
  printf '%s\t%s\n' "$(cat "$t/comm" 2>/dev/null)" "$(ticks "${t#/proc/}")"
done | awk -F'\t' '
  { g = $1 ~ /^ForkJoinPool/ ? "carriers" : $1 ~ /^C[12] Compiler/ ? "jit" : $1 ~ /GC|G1|VM Thread/ ? "gc" : "other"; n[g] += $2 }
  END { printf "carriers:%d,jit:%d,gc:%d,other:%d", n["carriers"], n["jit"], n["gc"], n["other"] }')

if [ -n "$db" ]; then db=${db%,}; else db=-; fi
echo "$1 $(ticks "$MARK_JVM") $db $groups" >>"$MARK_OUT"
