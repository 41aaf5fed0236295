"""What the bench reports read from their work folders: TSV tables and the dumps of a JFR recording."""
import collections
import csv
import os
import re


def read_tsv(path):
    """The rows of a tab-separated file with a header line, as dicts; none when the file is missing."""
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def jfr_samples(work):
    """
    The execution samples of WORK/jfr-samples.txt (`jfr print --events jdk.ExecutionSample`), counted:
    (samples, top frames with the line they stopped at, frames including their callees, thread names),
    or None when there are none.
    """
    path = os.path.join(work, "jfr-samples.txt")
    if not os.path.exists(path):
        return None
    text = open(path, errors="replace").read()
    samples = re.findall(r'jdk\.ExecutionSample \{.*?sampledThread = "([^"]*)".*?stackTrace = \[\n(.*?)\n  \]', text, re.S)
    if not samples:
        return None
    top, inclusive, thread_names = collections.Counter(), collections.Counter(), set()
    for thread, stack in samples:
        lines = [line.strip() for line in stack.split("\n") if line.strip() and line.strip() != "..."]
        frames = [re.sub(r"\(.*", "", line) for line in lines]
        thread_names.add(thread)
        at = re.search(r"line: (\d+)", lines[0])
        top[frames[0] + (f":{at.group(1)}" if at else "")] += 1
        for f in set(frames):
            inclusive[f] += 1
    return len(samples), top, inclusive, thread_names


def jfr_gc_sentence(work):
    """"GC during the recording: N pauses, T in total, p99 P" from WORK/jfr-gc.txt (`jfr summary`-style
    GC figures), without the final period, or None when the file or its figures are missing."""
    path = os.path.join(work, "jfr-gc.txt")
    if not os.path.exists(path):
        return None
    g = open(path, errors="replace").read()
    total = re.search(r"Total Pause Time:\s*(.+)", g)
    count = re.search(r"Number of Pauses:\s*(.+)", g)
    p99 = re.search(r"P99 Pause Time:\s*(.+)", g)
    if not (total and count):
        return None
    return (f"GC during the recording: {count.group(1).strip()} pauses, {total.group(1).strip()} in total"
            f"{', p99 ' + p99.group(1).strip() if p99 else ''}")
