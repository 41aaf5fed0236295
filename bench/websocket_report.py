#!/usr/bin/env python3
"""Turns the raw numbers of bench/websocket.sh into the WebSocket section of bench/README.md.

usage: websocket_report.py WORK_DIR README
WORK_DIR holds echo.tsv (one line per load-client run), hold.tsv and hold-<app>.tsv (the idle
sockets and the samples taken while they were held), logs.tsv (what the server logs said),
meta.tsv (date, JDK, commands, ...) and, when profiled, jfr-samples.txt and jfr-gc.txt. Only the
text between the websocket:begin/end markers of README is replaced.
"""
from readme_section import replace_section
from report_files import jfr_gc_sentence, jfr_samples, read_tsv
import collections
import json
import os
import re
import statistics
import sys

BEGIN, END = "<!-- websocket:begin -->", "<!-- websocket:end -->"
TARGET_RATIO = 1.2  # earlier issue: netra's msgs/s at least this many times the Spring echo's
# issue 21: netra's server CPU per message at most this many times the fastest bare echo's
TARGET_CPU_VS_FLOOR = 1.2
LABEL = {"netra": "netra (`ping` → `pong`)", "spring": "spring-boot (echo)",
         "helidon": "helidon-echo (bare Helidon SE 4)", "jetty": "jetty-echo (bare Jetty 12 core)"}
FLOORS = ("helidon", "jetty")  # the bare echoes
PEER_DIR = {"spring": "springboot-ws", "helidon": "helidon-echo", "jetty": "jetty-echo"}


def fields(line):
    """The key=value pairs of a wsload line (plus the preload's tallies, whose values are JSON)."""
    out = {}
    for key, value in re.findall(r"(\w+)=(\{[^}]*\}|\S+)", line):
        if value.startswith("{"):
            out[key] = json.loads(value)
        else:
            try:
                out[key] = float(value)
            except ValueError:
                out[key] = value
    return out


def med(values):
    values = [v for v in values if isinstance(v, float)]
    return (statistics.median(values), min(values), max(values)) if values else None


def fmt(s, digits=0, bold=False):
    if s is None:
        return "n/a"
    m = f"{s[0]:,.{digits}f}"
    return f"{'**' + m + '**' if bold else m} ({s[1]:,.{digits}f}–{s[2]:,.{digits}f})"


def warmups(meta):
    n = int(meta.get("warmups", "1"))
    return "one unmeasured warm-up run" if n == 1 else f"{n} unmeasured warm-up runs"


def tally(d):
    return ", ".join(f"{k} ×{v:,}" for k, v in sorted(d.items(), key=lambda kv: -kv[1])) or "none"


def merge(dicts):
    total = collections.Counter()
    for d in dicts:
        total.update(d or {})
    return dict(total)


def echo_section(meta, rows):
    apps = meta.get("apps", "netra spring").split()
    runs = [dict(r, **fields(r["line"])) for r in rows]
    for r in runs:
        r["server_cpu_s"] = float(r["server_cpu_s"])
        r["us_per_msg"] = r["server_cpu_s"] * 1e6 / r["msgs"] if r.get("msgs") else None
        wall = float(r["client_wall_s"])
        r["cpu_share"] = r["server_cpu_s"] / wall if wall else None
        client = r.get("client_cpu_s")
        r["client_share"] = float(client) / wall if client not in (None, "") and wall else None

    def pick(app, kind):
        return [r for r in runs if r["app"] == app and r["kind"] == kind and r["rep"] != "jfr"]

    out = [f"### Echo: {int(float(meta['conns']))} connections × {int(float(meta['msgs']))} pings each", "",
           "| server | msgs/s | p50 ms | p99 ms | server CPU µs/msg | server CPU busy | client CPU busy | runs |",
           "|---|--:|--:|--:|--:|--:|--:|--:|"]
    summary = {}
    for kind, note in (("pong", ""), ("as-is", "*reference, wsload as is:* ")):
        for app in apps:
            rs = pick(app, kind)
            if not rs:
                continue
            s = {k: med([r.get(k) for r in rs])
                 for k in ("msgs_per_s", "p50_ms", "p99_ms", "us_per_msg", "cpu_share", "client_share")}
            summary[(app, kind)] = s
            busy = "n/a" if s["cpu_share"] is None else f"{100 * s['cpu_share'][0]:.0f} %"
            client_busy = "n/a" if s["client_share"] is None else f"{100 * s['client_share'][0]:.0f} %"
            out.append(f"| {note}{LABEL[app]} | {fmt(s['msgs_per_s'], bold=not note)} | {fmt(s['p50_ms'], 2)} | "
                       f"{fmt(s['p99_ms'], 2)} | {fmt(s['us_per_msg'], 1)} | {busy} | {client_busy} | {len(rs)} |")
    out.append("")
    ours, base = summary.get(("netra", "pong")), summary.get(("spring", "pong"))
    if ours and base and ours["msgs_per_s"] and base["msgs_per_s"]:
        ratio = ours["msgs_per_s"][0] / base["msgs_per_s"][0]
        per_rep = []
        for rep in sorted({r["rep"] for r in pick("netra", "pong")}, key=int):
            a = [r for r in pick("netra", "pong") if r["rep"] == rep]
            b = [r for r in pick("spring", "pong") if r["rep"] == rep]
            if a and b:
                per_rep.append(f"{a[0]['msgs_per_s'] / b[0]['msgs_per_s']:.2f}×")
        out += [f"Ratio netra / spring-boot (median msgs/s, the earlier issue's target): **{ratio:.2f}×** (run by run: {', '.join(per_rep)}); "
                f"target ≥ {TARGET_RATIO}×: **{'met' if ratio >= TARGET_RATIO else 'missed'}**.", ""]
    out += cpu_ratios(apps, summary, pick)
    out += ["Medians over the runs, (min–max) in brackets. msgs/s, p50 and p99 are wsload's own figures "
            "(msgs/s is replies counted / seconds from the first connect to the last close). Server CPU is the "
            "JVM's user + system time while the client ran (`/proc/PID/stat`) divided by the replies; busy is that "
            "time over the client's wall time, node's start included (100 % = the pinned CPU saturated). Client CPU "
            "busy is the load client's own user + system time over the same wall time: near 100 %, the one node "
            "process on its CPU sets the pace, and msgs/s no longer tells the servers apart; server CPU per "
            "message still does.", ""]

    measured = [r for r in runs if r["kind"] in ("pong", "as-is") and r["rep"] != "jfr"]
    out += ["What came back, over all measured runs (counted by `bench/websocket_replies.js`; the as-is runs "
            "have no preload and are not tallied):", ""]
    for app in apps:
        rs = [r for r in measured if r["app"] == app and r["kind"] == "pong"]
        if not rs:
            continue
        failed = sum(int(r.get("failed", 0)) for r in rs)
        out.append(f"- {app}: replies counted {tally(merge(r.get('replies') for r in rs))}; hidden from wsload "
                   f"{tally(merge(r.get('skipped') for r in rs))}; failed connections {failed}; client errors "
                   f"{tally(merge(r.get('errors') for r in rs))}; unexpected closes "
                   f"{sum(int(r.get('unexpected_closes', 0)) for r in rs)}; close codes seen by the client "
                   f"{tally(merge(r.get('close_codes') for r in rs))}")
    asis = [r for r in measured if r["app"] == "netra" and r["kind"] == "as-is"]
    if asis:
        counted = ", ".join(f"{int(r['msgs']):,}" for r in asis)
        out.append(f"- netra with wsload as is: {counted} replies counted per run for "
                   f"{int(float(meta['conns'])) * int(float(meta['msgs'])):,} pings sent")
    out.append("")

    out += [f"Per run (`pong` rows are the measured ones; each run is a fresh JVM after {warmups(meta)} with the "
            "same load):", "",
            "| server | run | client | msgs | secs | msgs/s | p50 ms | p99 ms | server CPU s |",
            "|---|--:|---|--:|--:|--:|--:|--:|--:|"]
    for r in measured:
        out.append(f"| {r['app']} | {r['rep']} | {r['kind']} | {int(r['msgs']):,} | {r['secs']:.2f} | "
                   f"{r['msgs_per_s']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['server_cpu_s']:.2f} |")
    out.append("")
    return out


def cpu_ratios(apps, summary, pick):
    """netra's server CPU per message against each peer's, and the verdict against the fastest bare echo."""
    ours = summary.get(("netra", "pong"))
    if not ours or not ours["us_per_msg"]:
        return []
    out = ["Server CPU per message, netra / each echo (medians; below 1 netra spends less per message):", "",
           "| echo server | its µs/msg | netra µs/msg | netra / it | run by run |", "|---|--:|--:|--:|---|"]
    ratios = {}
    for app in apps[1:]:
        s = summary.get((app, "pong"))
        if not s or not s["us_per_msg"]:
            continue
        ratios[app] = ours["us_per_msg"][0] / s["us_per_msg"][0]
        per_rep = []
        for rep in sorted({r["rep"] for r in pick("netra", "pong")}, key=int):
            a = [r for r in pick("netra", "pong") if r["rep"] == rep and r["us_per_msg"]]
            b = [r for r in pick(app, "pong") if r["rep"] == rep and r["us_per_msg"]]
            if a and b:
                per_rep.append(f"{a[0]['us_per_msg'] / b[0]['us_per_msg']:.2f}×")
        out.append(f"| {LABEL[app]} | {s['us_per_msg'][0]:.1f} | {ours['us_per_msg'][0]:.1f} | **{ratios[app]:.2f}×** | "
                   f"{', '.join(per_rep)} |")
    out.append("")
    floors = [a for a in FLOORS if a in ratios]
    if floors:
        fastest = min(floors, key=lambda a: summary[(a, "pong")]["us_per_msg"][0])
        r = ratios[fastest]
        text = (f"netra / the fastest bare echo ({fastest}-echo): **{r:.2f}×**; target ≤ {TARGET_CPU_VS_FLOOR}×: "
                f"**{'met' if r <= TARGET_CPU_VS_FLOOR else 'missed'}**.")
        if "helidon" in ratios:
            text += f" netra / Helidon: **{ratios['helidon']:.2f}×**."
        out += [text, ""]
    return out


def readiness(samples):
    """'a/b probes 200, slowest N ms' over the samples (a probe that timed out counts as not 200)."""
    if not samples:
        return "no probes"
    ok = [s for s in samples if s["ready_code"] == "200"]
    text = f"{len(ok)}/{len(samples)} 200"
    if ok:
        text += f", slowest {max(int(s['ready_ms']) for s in ok if s['ready_ms'])} ms"
    other = collections.Counter(s["ready_code"] if s["ready_code"] != "000" else "no answer in 3 s"
                                for s in samples if s["ready_code"] != "200")
    if other:
        text += " (" + ", ".join(f"{k} ×{v}" for k, v in other.items()) + ")"
    return text


def hold_section(meta, work, rows):
    if not rows:
        return []
    idle, hold_s = int(float(meta["idle"])), int(float(meta["hold_s"]))
    out = [f"### Idle: {idle:,} authenticated sockets held {hold_s} s each", "",
           "| server | opened | failed | never answered | closed early | RSS MiB: before → held (peak) | "
           "KiB per socket | threads: before → held | readiness while opening | readiness while held |",
           "|---|--:|--:|--:|--:|--:|--:|--:|---|---|"]
    notes = []
    for row in rows:
        app = row["app"]
        f = fields(row["line"])
        samples = read_tsv(os.path.join(work, f"hold-{app}.tsv"))
        num = lambda s, k: int(s[k]) if s.get(k) else None
        # held: every socket that was ever open at once (the preload's max_open) is open; opening: the
        # samples before the first such one
        most = int(f.get("max_open", 0))
        held = [s for s in samples if most and num(s, "client_open") == most]
        first = samples.index(held[0]) if held else len(samples)
        opening = samples[1:first]  # sample 0 is taken before the client starts
        rss = [num(s, "rss_kb") for s in samples if num(s, "rss_kb")]
        held_rss = max((num(s, "rss_kb") for s in held if num(s, "rss_kb")), default=None)
        thr = max((num(s, "threads") for s in held if num(s, "threads")), default=None)
        rss0 = int(row["rss_before_kb"])
        opened, failed = int(f.get("opened", 0)), int(f.get("failed_handshakes", 0))
        never = idle - opened - failed
        per_socket = (f"{(held_rss - rss0) / most:.1f}" if held_rss and most == idle and not failed and not never
                      else "n/a")
        out.append(
            f"| {LABEL[app].split(' (')[0]} | {opened:,} | {failed:,} | {never:,} | "
            f"{int(f.get('unexpected_closes', 0)):,} | "
            f"{rss0 / 1024:.0f} → **{'n/a' if held_rss is None else f'{held_rss / 1024:.0f}'}** "
            f"({max(rss) / 1024 if rss else 0:.0f}) | {per_socket} | "
            f"{row['threads_before']} → {thr if thr else 'n/a'} | {readiness(opening)} | {readiness(held)} |")
        opened_at = float(held[0]["t_s"]) if held else None
        note = (f"- {app}: most sockets open at once {most:,}"
                + (f", all of them from {opened_at:.0f} s after the client started" if held
                   else ", never all of them in a one-second sample")
                + f" ({len(held)} one-second samples held, {len(opening)} while opening); at most "
                f"{max((num(s, 'established') or 0 for s in samples), default=0):,} TCP connections established on "
                f"the server's port; client errors {tally(f.get('errors') or {})}; close codes seen by the client "
                f"{tally(f.get('close_codes') or {})}; after the hold: readiness {row['ready_after'] or 'no answer'}, "
                f"RSS {int(row['rss_after_kb']) / 1024 if row['rss_after_kb'] else 0:.0f} MiB"
                f"{'' if row['alive_after'] == 'yes' else ', **the JVM had exited**'}")
        if row["client_exit"] == "124":
            note += (f"; **the client was still waiting {int(float(meta.get('hold_deadline', 0)))} s after it started "
                     f"and was stopped** ({int(f.get('open_at_exit', 0)):,} sockets still open, "
                     f"{never:,} never answered their upgrade)")
        notes.append(note)
    out += ["", "opened and failed count the sockets whose upgrade succeeded or failed; never answered ones got "
            "neither; closed early are open sockets the server or the network closed before the client's hold "
            "ended. Every second the script samples the JVM's `VmRSS` and threads, the client's open sockets and "
            "the readiness endpoint (3 s timeout): *while opening* are the samples before every socket was open, "
            "*held* the ones with all of them open; RSS held is the highest sample while held, the peak in "
            "brackets covers the whole run; KiB per socket is (held − before) / sockets, given only when every "
            "socket opened.", ""]
    out += notes + [""]
    return out


def logs_section(rows):
    out = ["Server logs (`bench/out/websocket/logs/`): "]
    bad = [r for r in rows if int(r["warn_error_lines"] or 0) or int(r["rate_limited_lines"] or 0)
           or int(r["exception_lines"] or 0)]
    if not bad:
        out[0] += (f"no WARN or ERROR line, no exception and no `rate_limited` in any of the {len(rows)} server "
                   "logs of this run.")
        return out + [""]
    out[0] += "lines worth a look:"
    out.append("")
    for r in bad:
        out.append(f"- {r['app']} {r['phase']} (`{r['log']}`): {r['warn_error_lines']} WARN/ERROR, "
                   f"{r['exception_lines']} exception, {r['rate_limited_lines']} rate_limited lines; "
                   f"`{r['problems'][:300]}`")
    return out + [""]


def profile_section(meta, work):
    counted = jfr_samples(work)
    if counted is None:
        return []
    n, top, inclusive, thread_names = counted
    pct = lambda c: f"{100 * c / n:.0f} %"
    out = ["### Profile: netra during the echo (unmeasured run, JFR)", "",
           f"{n} execution samples (JFR `profile` settings) over two echo runs after {warmups(meta)}, on a separate "
           f"JVM started like the measured ones; {len(thread_names):,} distinct thread names among them.", "",
           "| top frame (self) | samples |", "|---|--:|"]
    for f, c in top.most_common(10):
        out.append(f"| `{f}` | {pct(c)} |")
    out += ["", "(`:N` is the source line the samples stopped at.)", "",
            "| including the callees of | samples |", "|---|--:|"]
    keys = [
        ("java.lang.VirtualThread.run", "work run on a virtual thread (Jetty's executor starts one per task)"),
        ("org.eclipse.jetty.io.AbstractEndPoint.fillInterested",
         "re-arming read interest after each read: a selector update and wake-up"),
        ("org.eclipse.jetty.websocket.core.server.WebSocketMappings.upgrade", "upgrades (handshakes)"),
        ("ai.netra.chat.ChatService.received", "handling a client frame"),
        ("ai.netra.chat.ClientMessage.parse", "parsing it (Jackson `readTree`)"),
        ("ai.netra.chat.EventJson.event", "writing the `pong` event (Jackson)"),
        ("ai.netra.chat.ChatSocket.send", "queueing the reply with Jetty"),
        ("org.eclipse.jetty.io.ManagedSelector.select", "selector waiting"),
    ]
    for f, what in keys:
        if inclusive.get(f):
            out.append(f"| `{f}`{' — ' + what if what else ''} | {pct(inclusive[f])} |")
    out.append("")
    gc = jfr_gc_sentence(work)
    if gc:
        out += [gc + " (Serial GC: one CPU and `-XX:MaxRAM=512m`).", ""]
    return out


def section(work):
    meta = {row["key"]: row["value"] for row in read_tsv(os.path.join(work, "meta.tsv"))}
    out = [BEGIN, "## WebSocket results", "",
           f"_Written by `bench/websocket.sh` on {meta['date']}; the script rewrites this section, edit the text above it._",
           "",
           f"- commit: {meta['commit']}",
           f"- JDK: {meta['java']}; load client: node {meta['node']}",
           f"- CPU: {meta['cpu']}",
           f"- load average (1, 5, 15 min): {meta['load']}",
           f"- memory: `-XX:MaxRAM={meta['maxram']}` on every JVM (heap and GC sized as for 512 MiB; not a hard limit)",
           f"- open files limit (server and client): {meta['nofile']}",
           ""]
    out += echo_section(meta, read_tsv(os.path.join(work, "echo.tsv")))
    out += hold_section(meta, work, read_tsv(os.path.join(work, "hold.tsv")))
    out += logs_section(read_tsv(os.path.join(work, "logs.tsv")))
    out += profile_section(meta, work)
    out += ["Commands (`<port>` is a fresh free port on 127.0.0.1 for every start; `$TOKEN` is the token printed by the "
            "first command):", "", "```"]
    if meta.get("netra_build"):
        out.append(f"# netra jar (BENCH_NETRA_JAR)\n{meta['netra_build']}")
    else:
        out.append("./mvnw -q -B -DskipTests install && cp server/target/netra.jar bench/out/websocket/netra.jar")
    peers = meta.get("apps", "netra spring").split()[1:]
    for app in peers:
        out.append(f"cp -r ../shared/peers/{PEER_DIR[app]} bench/out/{PEER_DIR[app]} && ./mvnw -q -B -f "
                   f"bench/out/{PEER_DIR[app]}/pom.xml package -DskipTests")
    out += ["cp -r ../shared/tools/wsload bench/out/wsload && (cd bench/out/wsload && npm ci)",
            f"NETRA_DATA_DIR=<fresh dir> {meta['token_cmd']}",
            "# servers",
            meta["netra_cmd"], *[meta[f"{app}_cmd"] for app in peers],
            f"# echo: measured (pong replies only), then as is; {warmups(meta)} like the measured one before them",
            meta["echo_cmd"], meta["asis_cmd"],
            "# idle sockets, with VmRSS, ss and the readiness probe sampled every second while held",
            meta["hold_cmd"]]
    if meta.get("jfr") == "1":
        out += [f"# profile (separate netra JVM, after {warmups(meta)}; two echo runs recorded)", meta["jfr_cmd"]]
    out += ["```", END]
    return "\n".join(out) + "\n"


def main():
    work, readme = sys.argv[1], sys.argv[2]
    new = section(work)
    replace_section(readme, BEGIN, END, new)
    print(new, end="")


main()
