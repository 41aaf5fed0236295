#!/usr/bin/env python3
"""The report of bench/fanout.sh: reads its working folder (meta.tsv, marks.jsonl, summary.json, sockets.tsv,
received.tsv, stored.tsv, jfr-samples.txt) and prints the results; with a README path, writes them there
between the fanout:begin/end markers.

  python3 bench/fanout_report.py bench/out/fanout [bench/README.md]
"""
import collections
import csv
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the scripts

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from readme_section import replace_section  # noqa: E402

BEGIN, END = "<!-- fanout:begin -->", "<!-- fanout:end -->"


def read_meta(work):
    meta = {}
    for line in open(os.path.join(work, "meta.tsv")):
        k, _, v = line.rstrip("\n").partition("\t")
        meta[k] = v
    return meta


def correctness(work):
    """Lost, duplicated and unknown deliveries, counted per socket against the stored events of its user."""
    stored = collections.defaultdict(set)  # user -> {(thread, event)}
    stored_at = []  # epoch seconds of each stored event
    for user, thread, event, _type, at in csv.reader(open(os.path.join(work, "stored.tsv")), delimiter="\t"):
        stored[user].add((thread, int(event)))
        stored_at.append(float(at))
    sockets = {}
    for row in csv.DictReader(open(os.path.join(work, "sockets.tsv")), delimiter="\t"):
        sockets[row["socket"]] = row
    received = collections.defaultdict(set)
    duplicates = 0
    for row in csv.DictReader(open(os.path.join(work, "received.tsv")), delimiter="\t"):
        received[row["socket"]].add((row["thread_id"], int(row["event_id"])))
        duplicates += int(row["times"]) - 1
    lost = unknown = checked = 0
    for n, s in sockets.items():
        got = received.get(n, set())
        unknown += len(got - stored[s["user"]])
        if s["open_whole_time"] == "1":
            checked += 1
            lost += len(stored[s["user"]] - got)
    return {"stored": sum(len(v) for v in stored.values()), "stored_at": stored_at, "sockets": len(sockets),
            "sockets_checked": checked, "lost": lost, "duplicates": duplicates, "unknown": unknown}


def jfr_summary(path, top=12):
    """Shares of JFR execution samples: by top frame, by the first netra frame, and by what the stack is doing."""
    if not os.path.exists(path):
        return None
    samples = []
    threads = []
    frames = None
    for line in open(path):
        s = line.strip()
        if s.startswith("sampledThread = "):
            name = s.split('"')[1]
            threads.append("agent-run" if name.startswith("agent-run") else "http (Jetty, virtual)" if name.startswith("http")
                           else "redis-events (subscription)" if name == "redis-events" else "other threads")
        elif s.startswith("stackTrace = ["):
            frames = []
        elif frames is not None:
            if s.startswith("]"):
                samples.append(frames)
                frames = None
            elif s and s != "...":
                frames.append(re.sub(r"\s+line:.*$", "", s))
    if not samples:
        return None
    def method(f):
        return f.split("(")[0]
    tops = collections.Counter(method(f[0]) for f in samples if f)
    first_netra = collections.Counter(next((method(x) for x in f if x.startswith("ai.netra.")), "(no netra frame)") for f in samples)
    def area(f):
        text = "\n".join(f)
        top_frame = f[0] if f else ""
        if "org.postgresql" in text or "com.zaxxer.hikari" in text:
            return "PostgreSQL driver and pool (ChatRepository, tools' queries)"
        if "redis.clients" in text:
            return "Redis client (publish, subscription)"
        if "ai.netra.agent." in text and "ChatService$ActiveRun.emit" not in text and "ChatService.distribute" not in text:
            return "the agent itself (offline planner, tools' figures)"
        if "ChatService.wire" in text or "EventJson" in text or "com.fasterxml.jackson" in top_frame:
            return "JSON: writing events"
        if "org.eclipse.jetty.websocket" in text or "org.eclipse.jetty.io" in text:
            return "Jetty: WebSocket frames and socket I/O"
        if "ChatService" in text or "ChatSocket" in text:
            return "chat: fan-out bookkeeping (sockets, dedupe)"
        return "other (JDK, JIT-less runtime, scheduler)"
    areas = collections.Counter(area(f) for _t, f in zip(threads, samples))
    by_thread = collections.defaultdict(collections.Counter)
    for t, f in zip(threads, samples):
        by_thread[area(f)][t] += 1
    return {"samples": len(samples), "tops": tops.most_common(top), "netra": first_netra.most_common(top),
            "areas": areas.most_common(), "by_thread": by_thread}


def slow_summary(path):
    """When the slow deliveries happened (by second of the window) and between which instances."""
    rows = list(csv.DictReader(open(path), delimiter="\t"))
    names = {"0": "a", "1": "b"}
    pairs = collections.Counter(f"{names.get(r['run_instance'], '?')}->{names.get(r['socket_instance'], '?')}" for r in rows)
    seconds = collections.Counter(int(float(r["emitted_s_into_window"])) for r in rows)
    busiest = ", ".join(f"second {s}: {n}" for s, n in sorted(seconds.most_common(5)))
    return (f"by instances (run -> socket) {', '.join(f'{k} {v}' for k, v in sorted(pairs.items()))}; "
            f"in {len(seconds)} distinct seconds of the window, the most in {busiest}")


def fmt(v, digits=1):
    return "n/a" if v is None else f"{v:,.{digits}f}"


def main():
    work = sys.argv[1]
    meta = read_meta(work)
    summary = json.load(open(os.path.join(work, "summary.json")))
    marks = {m["label"]: m for m in map(json.loads, open(os.path.join(work, "marks.jsonl")))}
    start, end = marks["start"], marks["end"]
    window = end["wall"] - start["wall"]
    clk = int(meta["clk_tck"])
    c = correctness(work)
    emitted = sum(1 for t in c["stored_at"] if start["wall"] <= t < end["wall"])
    delivered = summary["delivered_in_window"]
    per_s = delivered / window
    jvm = [(e["ticks"] - s["ticks"]) / clk for s, e in zip(start["jvms"], end["jvms"])]
    groups = []
    for s, e in zip(start["jvms"], end["jvms"]):
        groups.append({g: (e["groups"].get(g, 0) - s["groups"].get(g, 0)) / clk for g in e["groups"]})
    def by_process(key):
        """CPU between the marks of the processes alive at the end (one born meanwhile counts from 0); those that
        exited meanwhile are left out, and counted."""
        a, b = start[key], end[key]
        if "ticks" in b:  # an older mark: one sum, not by process
            return (b["ticks"] - a["ticks"]) / clk, b["count"], 0
        return sum(t - a.get(p, 0) for p, t in b.items()) / clk, len(b), sum(1 for p in a if p not in b)
    db, db_count, db_gone = by_process("db_backends")
    pg_all, pg_count, pg_gone = by_process("pg_all")
    redis = (end["redis_ticks"] - start["redis_ticks"]) / clk if start["redis_ticks"] is not None else None
    client = (end["client_ticks"] - start["client_ticks"]) / clk if "client_ticks" in start else None
    pgs = {k: end["pg_stat_database"][k] - start["pg_stat_database"][k] for k in start["pg_stat_database"]}
    rs = {}
    for cmd, v in end["redis_commandstats"].items():
        b = start["redis_commandstats"].get(cmd, {"calls": 0, "usec": 0})
        if v["calls"] - b["calls"] > 0:
            rs[cmd] = (v["calls"] - b["calls"], v["usec"] - b["usec"])
    us = lambda seconds, n: seconds * 1e6 / n if n else None  # noqa: E731
    d = summary["delay_ms"]
    lines = []
    add = lines.append
    add(BEGIN)
    add(f"_Written by `bench/fanout.sh` on {meta['date']}; the script rewrites this section, edit the text above it._")
    add("")
    add(f"- command: `{meta['command']}`; commit {meta['commit']}")
    add(f"- JDK {meta['java']}; client node {meta['node']}; PostgreSQL {meta['postgres']} (pg_stat_statements "
        f"{meta['pg_stat_statements']}); Redis {meta['redis']}")
    add(f"- CPU: {meta['cpu']}; instance a pinned to CPU {meta['cpu_a']}, b to CPU {meta['cpu_b']}, each "
        "`-XX:ActiveProcessorCount=1 -XX:MaxRAM=512m`; the client, PostgreSQL and Redis are not pinned and share "
        "the same two CPUs with them (and with whatever else runs on the machine)")
    add(f"- **load average (1, 5, 15 min): {meta['load']}**")
    add(f"- {summary['users']} users × {summary['sockets_per_user']} sockets over {summary['instances']} instances, "
        f"{summary['in_flight']} runs in flight (`DB_POOL_SIZE={meta['pool']}` per instance); usage data: {meta['seed']}")
    add(f"- {summary['warmup_s']:.0f} s warm-up, then the measured window of {window:.1f} s; runs: "
        f"{summary['runs_started']:,} started, {summary['runs_ended']:,} ended ({summary['runs_ended_in_window']:,} in "
        f"the window), {summary['runs_unfinished']} unfinished; not stored answers: {json.dumps(summary['errors'])}")
    add("")
    no_jit = sum(sum(v for g, v in gs.items() if g != "jit") for gs in groups)
    add("| events delivered/s (all sockets) | events stored/s | delay p50 ms | p90 ms | p99 ms | max ms | "
        "server CPU µs per delivered event | without the JIT compilers | PostgreSQL backends µs per delivered event | "
        "lost | duplicates |")
    add("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    add(f"| **{per_s:,.0f}** | {emitted / window:,.0f} | {fmt(d['all']['p50'], 2)} | {fmt(d['all']['p90'], 2)} | "
        f"**{fmt(d['all']['p99'], 2)}** | {fmt(d['all']['max'], 1)} | **{fmt(us(sum(jvm), delivered))}** | "
        f"{fmt(us(no_jit, delivered))} | {fmt(us(db, delivered))} | **{c['lost']}** | **{c['duplicates']}** |")
    add("")
    add("| delay from the event's timestamp to the socket | deliveries | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |")
    add("|---|--:|--:|--:|--:|--:|--:|")
    for key, name in (("all", "every socket"), ("local", "sockets on the instance that ran the run"),
                      ("remote", "sockets on the other instance (through Redis)")):
        s = d[key]
        add(f"| {name} | {s['n']:,} | {fmt(s['p50'], 2)} | {fmt(s['p90'], 2)} | {fmt(s['p99'], 2)} | "
            f"{fmt(s['p999'], 2)} | {fmt(s['max'], 1)} |")
    for pair, s in summary.get("delay_ms_by_instances", {}).items():
        run_on, to = pair.split("->")
        add(f"| runs on {run_on}, sockets on {to} | {s['n']:,} | {fmt(s['p50'], 2)} | {fmt(s['p90'], 2)} | "
            f"{fmt(s['p99'], 2)} | {fmt(s['p999'], 2)} | {fmt(s['max'], 1)} |")
    if "slow" in summary:
        add("")
        add(f"{summary['slow']:,} deliveries took longer than {summary['slow_ms']} ms (listed in `slow.tsv`)" +
            (": " + slow_summary(os.path.join(work, "slow.tsv")) if summary["slow"] else "") + ".")
    add("")
    add(f"Target p99 ≤ 20 ms, 0 lost, 0 duplicates: p99 **{'met' if d['all']['p99'] is not None and d['all']['p99'] <= 20 else 'missed'}**, "
        f"lost **{'met' if c['lost'] == 0 else 'missed'}**, duplicates **{'met' if c['duplicates'] == 0 else 'missed'}**.")
    add("")
    add(f"What each event costs ({emitted:,} events stored and {delivered:,} deliveries in the window; CPU is utime + "
        "stime from `/proc` over the window):")
    add("")
    add("| where | CPU s in the window | µs per stored event | µs per delivered event | busy |")
    add("|---|--:|--:|--:|--:|")
    for name, secs in (("instance a (JVM)", jvm[0]), ("instance b (JVM)", jvm[1]),
                       (f"PostgreSQL backends of the benchmark's database ({db_count} at the end, {db_gone} gone meanwhile)", db),
                       (f"every PostgreSQL process: the machine's other databases, the WAL writer, autovacuum ({pg_count} "
                        f"at the end; {pg_gone} that exited meanwhile not counted)", pg_all),
                       ("the Redis server (shared with the machine's other work)", redis),
                       ("the load client (node)", client)):
        if secs is None:
            continue
        add(f"| {name} | {secs:.2f} | {fmt(us(secs, emitted))} | {fmt(us(secs, delivered))} | {secs / window * 100:.0f} % |")
    add("")
    add("JVM threads, CPU µs per delivered event: " + "; ".join(
        f"{n}: " + ", ".join(f"{g} {fmt(us(v, delivered))}" for g, v in sorted(gs.items(), key=lambda x: -x[1]))
        for n, gs in zip(("a", "b"), groups)) + ".")
    add("")
    add("PostgreSQL per stored event (`pg_stat_database` of the benchmark's database): " + ", ".join(
        f"{k} {v / emitted:.2f}" for k, v in pgs.items() if v) + ".")
    add("")
    sent = summary.get("runs_started_in_window")
    add("Redis per stored event (`INFO commandstats`; the machine's other work on the same Redis counts too" +
        (f"; the chat's rate limiter runs one `EVAL` per user message, {sent:,} sent in the window, "
         f"{sent / emitted:.2f} per stored event" if sent else "") + "): " + ", ".join(
        f"`{cmd.upper()}` {calls / emitted:.2f} calls, {usec / emitted:.1f} µs" for cmd, (calls, usec) in
        sorted(rs.items(), key=lambda x: -x[1][1])) + ".")
    add("")
    add(f"Correctness over the whole run (warm-up and drain included): {c['stored']:,} events stored for the bench users; "
        f"{c['sockets_checked']} of {c['sockets']} sockets open the whole time; lost (stored, never delivered to such a "
        f"socket of its user) **{c['lost']}**; duplicates (delivered twice to one socket) **{c['duplicates']}**; "
        f"delivered but not stored {c['unknown']}; close codes {json.dumps(summary['close_codes'])}; upgrades refused "
        f"with 503 and tried again {summary.get('upgrade_retries', 0)}; "
        f"server log WARN/ERROR/exception lines {meta['log_problems']}; RSS at the end (KiB) {meta['rss_kb']}.")
    jfr = jfr_summary(os.path.join(work, "jfr-samples.txt"))
    if jfr:
        add("")
        add(f"Profile of instance a (JFR, `method-profiling=max`, {jfr['samples']:,} execution samples over the "
            "profiled load after the window; Java frames only, so time in the kernel and in the JIT is not in it):")
        add("")
        add("| what the sampled stack is doing | share | on which threads |")
        add("|---|--:|---|")
        for name, n in jfr["areas"]:
            where = ", ".join(f"{t} {k / jfr['samples'] * 100:.1f} %" for t, k in jfr["by_thread"][name].most_common())
            add(f"| {name} | {n / jfr['samples'] * 100:.1f} % | {where} |")
        add("")
        add("| top frame | share | | first netra frame on the stack | share |")
        add("|---|--:|---|---|--:|")
        for (t, tn), (f, fn) in zip(jfr["tops"], jfr["netra"]):
            add(f"| `{t}` | {tn / jfr['samples'] * 100:.1f} % | | `{f}` | {fn / jfr['samples'] * 100:.1f} % |")
    add("")
    add("Commands:")
    add("")
    add("```")
    add(meta["command"])
    add(meta["netra_cmd"])
    add(meta["client_cmd"])
    add("```")
    add(END)
    text = "\n".join(lines)
    print(text)
    if len(sys.argv) > 2:
        replace_section(sys.argv[2], BEGIN, END, text + "\n")


if __name__ == "__main__":
    main()
