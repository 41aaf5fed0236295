#!/usr/bin/env python3
"""Called by bench/fanout_client.js (through bench/fanout.sh) at the edges of the measured window:

  MARK_OUT=file MARK_JVMS="pidA pidB" MARK_DB=database MARK_REDIS_PID=pid [MARK_JFR_PID=pid MARK_JFR_SETTINGS=file
  MARK_JFR_FILE=file] bench/fanout_mark.py LABEL

appends one JSON line to MARK_OUT: the wall time; each JVM's utime + stime in clock ticks, in total and by
thread group (virtual-thread carriers, the agent-run threads, JIT compilers, GC, the rest); the summed
utime + stime of the PostgreSQL backends connected to MARK_DB and of every PostgreSQL process (other
databases' included); the Redis server's; the load client's (this script's parent); pg_stat_database's counters for MARK_DB; and Redis's
INFO commandstats. With MARK_JFR_PID, label `end` starts a JFR recording of that JVM and `profile_end`
stops it (both after the line is written, outside the measured window).
"""
import json
import os
import re
import subprocess
import sys
import time


def ticks(path):
    """utime + stime of /proc/<path>/stat; the name in brackets may hold spaces."""
    try:
        with open(f"/proc/{path}/stat") as f:
            fields = f.read().rsplit(") ", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def group(name):
    if name.startswith("ForkJoinPool"):
        return "carriers"
    if name.startswith("agent-run"):
        return "runs"
    if re.match(r"C[12] Compiler", name):
        return "jit"
    if re.search(r"GC|G1|VM Thread", name):
        return "gc"
    return "other"


def jvm(pid):
    groups = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        g = group(name)
        groups[g] = groups.get(g, 0) + ticks(f"{pid}/task/{tid}")
    return {"pid": pid, "ticks": ticks(pid), "groups": groups}


def psql(sql):
    return subprocess.run(["psql", "-w", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-AtF", "\t", "-c", sql],
                          capture_output=True, text=True, check=True).stdout.strip()


def main():
    label = sys.argv[1]
    db = os.environ["MARK_DB"]
    line = {"label": label, "wall": time.time()}
    line["jvms"] = [jvm(int(p)) for p in os.environ["MARK_JVMS"].split()]
    backends = [int(p) for p in psql(f"select pid from pg_stat_activity where datname = '{db}' and pid <> pg_backend_pid()").split()]
    # By process: a backend that exits or starts between two marks must not count its whole life.
    line["db_backends"] = {str(p): ticks(p) for p in backends}
    every_pg = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout.split()
    line["pg_all"] = {p: ticks(int(p)) for p in every_pg}
    cols = ["xact_commit", "xact_rollback", "tup_inserted", "tup_updated", "tup_deleted", "tup_fetched", "tup_returned",
            "blks_hit", "blks_read"]
    values = psql(f"select {', '.join(cols)} from pg_stat_database where datname = '{db}'").split("\t")
    line["pg_stat_database"] = dict(zip(cols, (int(v) for v in values)))
    redis_pid = os.environ.get("MARK_REDIS_PID")
    line["redis_ticks"] = ticks(int(redis_pid)) if redis_pid else None
    stats = {}
    out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "info", "commandstats"], capture_output=True,
                         text=True).stdout
    for m in re.finditer(r"cmdstat_([^:]+):calls=(\d+),usec=(\d+)", out):
        stats[m.group(1)] = {"calls": int(m.group(2)), "usec": int(m.group(3))}
    line["redis_commandstats"] = stats
    line["client_ticks"] = ticks(os.getppid())  # the load client, which runs this script
    with open(os.environ["MARK_OUT"], "a") as f:
        f.write(json.dumps(line) + "\n")
    jfr_pid = os.environ.get("MARK_JFR_PID")
    if jfr_pid and label == "end":
        subprocess.run([os.environ.get("MARK_JCMD", "jcmd"), jfr_pid, "JFR.start", "name=fanout", "settings=" + os.environ["MARK_JFR_SETTINGS"],
                        "filename=" + os.environ["MARK_JFR_FILE"]], capture_output=True, check=True)
    if jfr_pid and label == "profile_end":
        subprocess.run([os.environ.get("MARK_JCMD", "jcmd"), jfr_pid, "JFR.stop", "name=fanout"], capture_output=True, check=True)


if __name__ == "__main__":
    main()
