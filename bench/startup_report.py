#!/usr/bin/env python3
"""Turns the raw numbers of bench/startup.sh into the results section of bench/README.md.

usage: startup_report.py WORK_DIR README
WORK_DIR holds results.tsv (one line per probed start), configs.tsv (the configurations and their
commands) and meta.tsv (date, JDK, CPU, ...). Only the text between the startup:begin/end markers
of README is replaced; the rest of the file is left as it is.
"""
from readme_section import replace_section
import csv
import os
import statistics
import sys

BEGIN, END = "<!-- startup:begin -->", "<!-- startup:end -->"
TARGET_LISTEN_S = 0.35
# Ready targets by configuration (issue 21): 1.2 s on a plain JVM, 0.6 s with the AOT cache ...
TARGET_READY_S = {"netra-jvm": 1.2, "netra-aot": 0.6}
# ... at most this much resident memory once ready ...
TARGET_RSS_MB = 100
# ... and ready this many times sooner than Quarkus in the same mode (same run).
TARGET_VS_QUARKUS = {"netra-jvm": 2.0, "netra-aot": 2.3}
# Earlier issue: ready at least this many times sooner than the Spring baseline's AOT-cached start.
TARGET_VS_BASELINE_AOT = 4.0
# Rows in this order; each netra row is compared with each peer's row of the same mode.
ORDER = ["netra-jvm", "netra-aot", "quarkus-jvm", "quarkus-aot", "quarkus-aot-build", "spring-jvm", "spring-aot",
         "spring-jvm-extracted", "spring-aot-fatjar"]
PEERS = {"spring": {"netra-jvm": "spring-jvm", "netra-aot": "spring-aot"},
         "quarkus": {"netra-jvm": "quarkus-jvm", "netra-aot": "quarkus-aot"}}
PEER_LABEL = {"spring": "spring-boot", "quarkus": "quarkus"}


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def number(text):
    return None if text in ("", "None") else float(text)


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def seconds(s):
    return "n/a" if s is None else f"**{s[0]:.2f}** ({s[1]:.2f}–{s[2]:.2f})"


def mib(s):
    return "n/a" if s is None else f"{s[0]:.0f} ({s[1]:.0f}–{s[2]:.0f})"


def ratio(base, ours):
    if base is None or ours is None or ours[0] == 0:
        return "n/a"
    return f"{base[0] / ours[0]:.1f}×"


def last_line(path):
    try:
        with open(path, errors="replace") as f:
            lines = [line.strip() for line in f if line.strip()]
        return lines[-1] if lines else "(empty log)"
    except OSError:
        return "(no log)"


def section(work, root):
    meta = {row["key"]: row["value"] for row in read_tsv(os.path.join(work, "meta.tsv"))}
    configs = {row["id"]: row for row in read_tsv(os.path.join(work, "configs.tsv"))}
    results = read_tsv(os.path.join(work, "results.tsv"))
    ids = [i for i in ORDER if i in configs]

    per = {}
    for i in ids:
        rows = [r for r in results if r["id"] == i]
        per[i] = {
            "listen": stats([number(r["listen_s"]) for r in rows]),
            "ready": stats([number(r["ready_s"]) for r in rows]),
            "rss": stats([number(r["rss_mb"]) if number(r["ready_s"]) is not None else None for r in rows]),
            "ok": sum(1 for r in rows if number(r["ready_s"]) is not None),
            "n": len(rows),
        }

    out = [BEGIN, "## Results", "",
           f"_Written by `bench/startup.sh` on {meta['date']}; the script rewrites this section, edit the text above it._",
           "",
           f"- commit: {meta['commit']}",
           f"- JDK: {meta['java']}",
           f"- CPU: {meta['cpu']}",
           f"- load average (1, 5, 15 min): {meta['load']} (the measuring starts themselves add about 1)",
           f"- memory: `-XX:MaxRAM={meta['maxram']}` on every JVM (it sizes the heap and the GC choice; "
           "it is not a hard limit on the process)",
           f"- {meta['runs']} measured starts per configuration, round-robin over the configurations, after one "
           "unmeasured check start each; figures are the median, (min–max) in brackets; RSS is sampled 0.5 s "
           "after ready",
           f"- extra environment for netra (`BENCH_NETRA_ENV`): {('`' + meta['netra_env'] + '`') if meta['netra_env'] else 'none'}",
           ""]
    if meta["aot"] != "1":
        out += [f"AOT rows skipped: the JDK is {meta['java_feature']}; `-XX:AOTCacheOutput` needs JDK 25.", ""]

    peers = [k for k in ("quarkus", "spring") if any(configs.get(PEERS[k][n]) for n in PEERS[k])]
    out += ["| configuration | listen s | ready s | RSS MiB | "
            + "".join(f"vs {PEER_LABEL[k]}: ready / listen | " for k in peers) + "starts ready |",
            "|---|--:|--:|--:|" + "--:|" * len(peers) + "--:|"]
    for i in ids:
        p, c = per[i], configs[i]
        label = c["label"] if c["role"] == "main" else f"*reference:* {c['label']}"
        cells = []
        for k in peers:
            base = per.get(PEERS[k].get(i, ""))
            cells.append(f"{ratio(base['ready'], p['ready'])} / {ratio(base['listen'], p['listen'])}" if base else "")
        out.append(f"| {label} | {seconds(p['listen'])} | {seconds(p['ready'])} | {mib(p['rss'])} | "
                   + "".join(f"{cell} | " for cell in cells) + f"{p['ok']}/{p['n']} |")
    out += ["",
            "Ratios are the peer's median / netra's median in the same mode (the peer's JVM row for netra's JVM row, "
            "its AOT row for netra's AOT row): how many times sooner netra gets there.",
            ("Spring Boot's AOT cache is trained and used on its extracted jar (`java -Djarmode=tools -jar "
             "springboot-ws-1.jar extract`), the form Spring Boot documents for the AOT cache; its reference rows "
             "show the other two combinations. " if "spring" in peers else "")
            + "Quarkus runs its default fast-jar (`quarkus-app/quarkus-run.jar`) "
            "with and without the cache, which is trained like netra's; the JDK does not cache classes that "
            "Quarkus's own class loader loads from `lib/main` and `app/`, so its cache holds the JDK's classes and "
            "those of `lib/boot`. The Quarkus reference row runs the cache Quarkus 3.27's own build makes "
            "(`quarkus.package.jar.appcds.use-aot`), from its folder.",
            ""]

    out += [f"Targets (1 CPU / 512 MiB), judged on the median: ready ≤ {TARGET_READY_S['netra-jvm']} s without "
            f"and ≤ {TARGET_READY_S['netra-aot']} s with the AOT cache, RSS ≤ {TARGET_RSS_MB} MiB, ready "
            f"≥ {TARGET_VS_QUARKUS['netra-jvm']:g}× sooner than Quarkus on a plain JVM and "
            f"≥ {TARGET_VS_QUARKUS['netra-aot']:g}× with both on AOT caches (issue 21); listen ≤ {TARGET_LISTEN_S} s and "
            f"ready ≥ {TARGET_VS_BASELINE_AOT:g}× sooner than Spring Boot's AOT-cached start (the earlier issue). "
            "netra's AOT row is held against the faster of the two Quarkus AOT rows.", "",
            "| configuration | ready | RSS | vs quarkus, same mode | listen | vs spring-boot's AOT start |",
            "|---|---|---|---|---|---|"]

    def limit(value, target, unit, fmt):
        if target is None:
            return "no target"
        if value is None:
            return f"≤ {target} {unit}: missed (no value)"
        return f"≤ {target} {unit}: {'met' if value[0] <= target else 'missed'} ({fmt(value[0])} {unit})"

    def times(base, ours, target, what):
        if not base or not base["ready"] or not ours["ready"]:
            return f"no {what}"
        t = base["ready"][0] / ours["ready"][0]
        return f"≥ {target:g}×: {'met' if t >= target else 'missed'} ({t:.1f}×)"

    for i in ids:
        if configs[i]["app"] != "netra":
            continue
        p = per[i]
        quarkus = per.get(PEERS["quarkus"].get(i, ""))
        if i == "netra-aot":  # Quarkus's faster AOT start: trained here, or made by its build
            made = per.get("quarkus-aot-build")
            if made and made["ready"] and (not quarkus or not quarkus["ready"] or made["ready"][0] < quarkus["ready"][0]):
                quarkus = made
        against = "quarkus (AOT cache made by its build)" if i == "netra-aot" and quarkus is per.get("quarkus-aot-build") else None
        out.append(f"| {configs[i]['label']} | {limit(p['ready'], TARGET_READY_S.get(i), 's', lambda v: f'{v:.2f}')} | "
                   f"{limit(p['rss'], TARGET_RSS_MB, 'MiB', lambda v: f'{v:.0f}')} | "
                   f"{times(quarkus, p, TARGET_VS_QUARKUS[i], 'quarkus start') if i in TARGET_VS_QUARKUS else 'no target'}"
                   f"{f', against {against}' if against else ''} | "
                   f"{limit(p['listen'], TARGET_LISTEN_S, 's', lambda v: f'{v:.2f}')} | "
                   f"{times(per.get('spring-aot'), p, TARGET_VS_BASELINE_AOT, 'spring-boot AOT start')} |")
    out.append("")

    failed = [r for r in results if number(r["ready_s"]) is None]
    if failed:
        out += ["Starts that never answered 200 on the readiness path:", ""]
        for r in failed:
            out.append(f"- {r['id']} start {r['run']}: listen_s={r['listen_s']} ready_s={r['ready_s']}; "
                       f"last log line (`{r['log']}`): `{last_line(os.path.join(root, r['log']))}`")
        out.append("")

    out += ["Commands (the probe sets `PORT` to a free port on 127.0.0.1; `<fresh dir>` is a new folder under "
            "`bench/out/runs/` for every start):", "", "```",
            f"# probe, around every start below\n{meta['probe']}"]
    if meta.get("netra_build"):
        out.append(f"# netra jar (BENCH_NETRA_JAR)\n{meta['netra_build']}")
    else:
        out.append("# builds\n./mvnw -q -B -DskipTests install && cp server/target/netra.jar bench/out/netra/netra.jar")
    if "quarkus-jvm" in configs:
        out.append("cp -r ../shared/peers/quarkus-ws bench/out/quarkus-ws && ./mvnw -q -B -f "
                   "bench/out/quarkus-ws/pom.xml package -DskipTests")
    if "quarkus-aot-build" in configs:
        out.append("cp -r ../shared/peers/quarkus-ws bench/out/quarkus-ws-appcds && ./mvnw -q -B -f "
                   f"bench/out/quarkus-ws-appcds/pom.xml package -DskipTests {meta.get('quarkus_build_flags', '')}"
                   "   # writes target/quarkus-app/app.aot")
    if "spring-jvm" in configs:
        out.append("cp -r ../shared/peers/springboot-ws bench/out/springboot-ws && ./mvnw -q -B -f "
                   "bench/out/springboot-ws/pom.xml package -DskipTests")
        out.append("$JAVA_HOME/bin/java -Djarmode=tools -jar bench/out/springboot-ws/target/springboot-ws-1.jar extract "
                   "--destination bench/out/springboot-ws/extracted")
    if meta["aot"] == "1":
        out.append("# AOT training: start, wait for ready, GET the paths listed, wait 1 s, SIGTERM, wait for the JVM "
                   "to write the cache and exit")
        out.append(f"PORT=<free port> {meta['train_netra'].removeprefix('env ')}"
                   "   # GET /health/ready /health/startup /health /health/live /api/threads")
        if "quarkus-aot" in configs:
            out.append(f"PORT=<free port> {meta['train_quarkus']}   # GET /q/health/ready /q/health /q/health/live")
        if "spring-aot" in configs:
            out.append(f"PORT=<free port> {meta['train_spring']}   # GET /actuator/health/readiness /actuator/health")
        if "spring-aot-fatjar" in configs:
            out.append(f"PORT=<free port> {meta['train_spring_fat']}   # same requests")
    out.append("# measured starts")
    for i in ids:
        out.append(f"{i}: {configs[i]['command']}")
    out += ["```", END]
    return "\n".join(out) + "\n"


def main():
    work, readme = sys.argv[1], sys.argv[2]
    root = os.path.dirname(os.path.dirname(os.path.abspath(readme)))
    new = section(work, root)
    replace_section(readme, BEGIN, END, new)
    print(new, end="")


main()
