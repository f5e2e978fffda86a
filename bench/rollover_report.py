#!/usr/bin/env python3
"""The markdown report of `bench/rollover.sh`: one app replaced, as its clients see it.

    rollover_report.py RESULTS.tsv CLIENTS.tsv --runs 3 --app A --dependents D --deps D
        --dag D --port P --tail S --settle S --ark V --ark-reason R --stop-first-args A --engine E
        --compose C

RESULTS.tsv: RUN CASE KEY VALUE, VALUE microseconds of the host clock or "fail:<why>"; keys t0
(just before the command), cmd (when it exited), new (only as a failure), busy (host CPU %
before the case). CLIENTS.tsv: RUN CASE LOG, LOG the client's lines "<epoch s.µs> ok <version>"
or "<epoch s.µs> fail <exit>" (stamped by busybox `ts %.s` when each request ended). Stdout.
"""
import argparse
import os
import platform
import statistics
import time

CASES = ("rollover", "stop-first", "compose")
OLD, NEW = "1", "2"

p = argparse.ArgumentParser()
p.add_argument("results")
p.add_argument("clients")
for k in ("runs", "app", "dependents", "deps", "dag", "port", "tail", "settle", "ark", "ark-reason",
          "stop-first-args", "engine", "compose"):
    p.add_argument("--" + k, required=True)
a = p.parse_args()

raw = {}
busy = []
for line in open(a.results):
    if not line.strip():
        continue
    r, case, key, value = line.rstrip("\n").split("\t")
    if key == "busy":
        busy.append(int(value))
    else:
        raw.setdefault((r, case), {})[key] = value
logs = {}
for line in open(a.clients):
    if line.strip():
        r, case, path = line.rstrip("\n").split("\t")
        logs[(r, case)] = path


def client_lines(path):
    """(seconds, ok, version-or-exit) per request, in order."""
    out = []
    for line in open(path):
        parts = line.split()
        if len(parts) < 2 or parts[1] not in ("ok", "fail"):
            continue
        try:
            t = float(parts[0])
        except ValueError:
            continue
        out.append((t, parts[1] == "ok", parts[2] if len(parts) > 2 else ""))
    return out


def analyse(key):
    """The figures of one run of one case (seconds, counts), or a failure string."""
    rec = raw.get(key, {})
    for k in ("t0", "cmd", "new"):
        if rec.get(k, "").startswith("fail:"):
            return rec[k][5:]
    if "t0" not in rec or key not in logs:
        return "not measured"
    t0, t1 = int(rec["t0"]) / 1e6, int(rec["cmd"]) / 1e6
    lines = client_lines(logs[key])
    oks = [t for t, ok, _ in lines if ok]
    before = [t for t in oks if t < t0]
    after = [t for t in oks if t >= t0]
    firsts = [t for t, ok, v in lines if ok and v == NEW and t >= t0]
    if not before or not firsts:
        return "the client's log lacks answers before the change or from the new version"
    first_new = firsts[0]
    span = [before[-1]] + after
    gap = max(b - x for x, b in zip(span, span[1:]))
    fails = sum(1 for t, ok, _ in lines if not ok and t >= t0)
    # `timeout` kills wget with TERM: 143 (124 where timeout exits itself).
    stuck = sum(1 for t, ok, v in lines if not ok and t >= t0 and v in ("143", "124"))
    old_after = sum(1 for t, ok, v in lines if ok and v == OLD and t > first_new)
    # The last old answer after t0 says when the old container stopped answering by name.
    last_old = max([t for t, ok, v in lines if ok and v == OLD and t >= t0], default=None)
    return {
        "cmd": t1 - t0,
        "new": first_new - t0,
        "gap": gap,
        "fails": fails,
        "stuck": stuck,
        "old_after": old_after,
        "last_old": None if last_old is None else last_old - t0,
        "requests": sum(1 for t, _, _ in lines if t >= t0),
        "window": lines[-1][0] - t0,
    }


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.machine()


runs = [str(r) for r in range(1, int(a.runs) + 1)]
figures = {c: {r: analyse((r, c)) for r in runs if (r, c) in raw} for c in CASES}


def cell(case, k, fmt):
    got = [f[k] for f in figures[case].values() if isinstance(f, dict) and f[k] is not None]
    bad = sum(1 for f in figures[case].values() if not isinstance(f, dict))
    if not figures[case]:
        return "not available" if case == "rollover" and a.ark_reason else "—"
    if not got:
        return "failed" if bad else "—"
    m = statistics.median(got)
    s = fmt(m) + (f" ({fmt(min(got))}–{fmt(max(got))})" if len(got) > 1 else "")
    return s + (f", {bad} failed" if bad else "")


def sec(x):
    return f"{x:.2f} s"


def ms(x):
    return f"{x * 1000:.0f} ms"


def count(x):
    return f"{x:g}"


stop_first = f"with `{a.stop_first_args}`" if a.stop_first_args else "without a flag (this ark's only way)"
print(f"# bench/rollover.sh — replacing one app while its clients call it ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n")
print(
    f"What is measured: in a running environment of the DAG of `bench/gen_dag.py --version-page` "
    f"({a.dag.split(',')[0]}), the app `{a.app}` (depends on {a.deps}; depended on by {a.dependents}) is replaced "
    f"by a new version — `APP_VERSION` 1 → 2, which each app serves at `/` — in three ways: ark's default "
    f"(rollover: the new container started beside the old, probed, then given the network alias, the old "
    f"retired), ark's stop-first (stop the old, then create and start the new), and `docker-compose up -d "
    f"{a.app}` after the compose file's `APP_VERSION` is changed (compose stops the old, then creates the "
    f"new). How: a client container on the environment's network asks `http://{a.app}:{a.port}/` by name, "
    f"through Docker's DNS as the dependent apps do: a new `timeout 1 wget` every 20 ms, whether or not the "
    f"earlier ones have ended (so one stuck on a vanished address hides nothing), each result stamped with µs "
    f"by busybox `ts` as it ends, from before the command until {a.tail} s after the later of "
    f"the command's exit and the first answer from version 2. *new version answering* is the command's "
    f"start → the first answer from version 2; *longest gap* is the longest time between two answers (any "
    f"version) across the change, counted from the last answer before it (≈ 20–30 ms when nothing is "
    f"interrupted); *failed requests* are the requests that ended without an answer after the command's "
    f"start (a refused connection or an unknown name fails at once, a request sent to an address that "
    f"has just vanished after its 1 s timeout); "
    f"*old after new* counts answers from version 1 after the first from version 2 (both answering under "
    f"the name for a while). Each case in an environment (compose project) of its own, started fresh "
    f"before (untimed) and removed after; {a.runs} run{'s' if a.runs != '1' else ''}, the order rotating "
    f"per run; median (min–max).\n"
)
print(f"- ark: {a.ark} (release build)")
if a.ark_reason:
    print(f"- rollover: not available — {a.ark_reason}")
print(f"- engine: {a.engine}; docker-compose {a.compose} (file format 2.4, `init: true`, HEALTHCHECK every 500ms)")
print(f"- host: {cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}")
print(f"- catalog: {a.dag} (bench/gen_dag.py --version-page); app replaced: `{a.app}`")
if busy:
    print(f"- host CPU busy just before each case (1 s sample, after waiting up to {a.settle} s for < 25%): "
          f"median {statistics.median(busy):g}%, max {max(busy)}%")
print()
print("| | ark rollover (default) | ark stop-first | docker-compose up -d |")
print("|---|---:|---:|---:|")
rows = (
    ("command returns", "cmd", sec),
    ("new version answering by name", "new", sec),
    ("longest gap between two answers", "gap", ms),
    ("failed requests", "fails", count),
    ("… of which hung until the client's 1 s timeout", "stuck", count),
    ("old version answering after the new", "old_after", count),
    ("last answer from the old version", "last_old", sec),
)
for name, k, fmt in rows:
    print(f"| {name} | " + " | ".join(cell(c, k, fmt) for c in CASES) + " |")
print(f"\nThe commands: ark rollover `ark start -e ENV --set {a.app}.APP_VERSION=2 {a.app}`; ark "
      f"stop-first the same, {stop_first}; compose `docker-compose -p P up -d {a.app}`. *Last answer from "
      f"the old version* is the command's start → the last answer from version 1.")

print("\n## Every run\n")
print("| run | case | command | new version | longest gap | failed (of which timed out) | old after new | requests seen |")
print("|---:|---|---:|---:|---:|---:|---:|---:|")
for r in runs:
    for c in CASES:
        if (r, c) not in raw:
            continue
        f = figures[c][r]
        if isinstance(f, dict):
            print(f"| {r} | {c} | {sec(f['cmd'])} | {sec(f['new'])} | {ms(f['gap'])} | {f['fails']} ({f['stuck']}) "
                  f"| {f['old_after']} | {f['requests']} in {f['window']:.1f} s |")
        else:
            print(f"| {r} | {c} | failed: {f} | | | | | |")
