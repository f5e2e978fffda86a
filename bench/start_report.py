#!/usr/bin/env python3
"""The markdown report of `bench/start.sh`: one row per size, ark after/before, floor, compose, ideal.

    start_report.py RESULTS.tsv DAGS.tsv --depth 4 --runs 3 --samples 5 --top top
        [--ark-version V --ark-path P | --ark-reason WHY]
        [--before-version V --before-path P | --before-reason WHY]
        [--floor-reason WHY] [--compose-sizes "20"] --engine E --compose-version V --settle 20

RESULTS.tsv: SIZE RUN TOOL STEP VALUE per line (VALUE: microseconds, or "fail:<why>"; step
"busy": the host CPU % before that phase; step "check": a note). Tools: ark (after), before
(ARK_BEFORE), floor (bench/engine_floor.py: up, network, first, down), compose, ideal (one,
layers). DAGS.tsv: SIZE SUMMARY. Writes the report to stdout (python3 stdlib only).
"""
import argparse
import os
import platform
import statistics
import time

STEPS = ("cold", "noop", "down")


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("results")
    p.add_argument("dags")
    p.add_argument("--depth", type=int, required=True)
    p.add_argument("--runs", type=int, required=True)
    p.add_argument("--samples", type=int, required=True)
    p.add_argument("--top", default="top")
    p.add_argument("--ark-version", default="")
    p.add_argument("--ark-path", default="")
    p.add_argument("--ark-reason", default="")
    p.add_argument("--before-version", default="")
    p.add_argument("--before-path", default="")
    p.add_argument("--before-reason", default="", help="empty and no --before-version: ARK_BEFORE unset")
    p.add_argument("--floor-reason", default="")
    p.add_argument("--compose-sizes", default="")
    p.add_argument("--engine", default="?")
    p.add_argument("--compose-version", default="?")
    p.add_argument("--settle", default="20")
    return p.parse_args()


class Results:
    def __init__(self, path):
        self.rows = [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]

    def values(self, size, tool, step):
        """(ok [(run, seconds)], fails [(run, why)]) of one tool's step at one size."""
        ok, fails = [], []
        for n, r, t, s, v in self.rows:
            if int(n) == size and t == tool and s == step:
                if v.startswith("fail:"):
                    fails.append((int(r), v[5:]))
                else:
                    ok.append((int(r), int(v) / 1e6))
        return ok, fails

    def summary(self, size, tool, step):
        ok, _ = self.values(size, tool, step)
        return summary([v for _, v in ok]), len(ok)


def summary(vals):
    return (statistics.median(vals), min(vals), max(vals)) if vals else None


def ratio(a, b):
    return a[0] / b[0] if a and b and b[0] > 0 else None


def main():
    a = parse()
    res = Results(a.results)
    dags = [line.rstrip("\n").split("\t", 1) for line in open(a.dags) if line.strip()]
    sizes = [int(n) for n, _ in dags]
    compose_sizes = {int(x) for x in a.compose_sizes.split()} & set(sizes)
    runs, depth = a.runs, a.depth
    have_ark = bool(a.ark_version)
    before_asked = bool(a.before_version or a.before_reason)
    have_before = bool(a.before_version)
    have_floor = not a.floor_reason

    def fmt(s, n_ok=None):
        if s is None:
            return "failed"
        med, lo, hi = s
        extra = f", {n_ok}/{runs} ok" if n_ok is not None and n_ok < runs else ""
        return f"**{med:.2f} s** ({lo:.2f}–{hi:.2f}{extra})"

    def cell(size, tool, step):
        if tool == "ark" and not have_ark or tool == "before" and not have_before:
            return "not available"
        if tool == "floor" and not have_floor:
            return "not available"
        if tool == "compose" and size not in compose_sizes:
            return "—"
        return fmt(*res.summary(size, tool, step))

    def med(size, tool, step):
        return res.summary(size, tool, step)[0]

    def after_before(size, step):
        r = ratio(med(size, "ark", step), med(size, "before", step))
        return "—" if r is None else f"{r:.2f}×"

    def vs_floor(size, step, floor_step):
        f = med(size, "floor", floor_step)
        parts = []
        ra = ratio(med(size, "ark", step), f)
        if ra is not None:
            parts.append(f"ark {ra:.2f}× floor")
        rb = ratio(med(size, "before", step), f)
        if have_before and rb is not None:
            parts.append(f"before {rb:.2f}×")
        return ", ".join(parts) or "—"

    # ideal: per run, the median of its single-app samples times the depth
    def ideal_runs(size):
        per_run = {}
        for r, v in res.values(size, "ideal", "one")[0]:
            per_run.setdefault(r, []).append(v)
        return per_run

    def ideal_one(size):
        return {r: statistics.median(v) for r, v in sorted(ideal_runs(size).items())}

    def ideal_s(size):
        return summary([depth * v for v in ideal_one(size).values()])

    def met_cold(size):
        s = med(size, "ark", "cold")
        if not have_ark or s is None:
            return "—"
        c, i = med(size, "compose", "cold"), ideal_s(size)
        parts, good = [], True
        if c:
            parts.append(f"{s[0] / c[0]:.2f}× compose")
            good &= s[0] <= 0.35 * c[0]
        if i:
            parts.append(f"{s[0] / i[0]:.2f}× ideal")
            good &= s[0] <= 2 * i[0]
        return ("yes" if good else "**no**") + (" (" + ", ".join(parts) + ")" if parts else "")

    def cold_target(size):
        c, i = med(size, "compose", "cold"), ideal_s(size)
        t = []
        if size in compose_sizes:
            t.append("≤ 0.35× compose" + (f" (≤ {0.35 * c[0]:.2f} s)" if c else ""))
        t.append("≤ 2× ideal" + (f" (≤ {2 * i[0]:.2f} s)" if i else ""))
        return " and ".join(t)

    def met_abs(size, step, limit):
        s = med(size, "ark", step)
        if not have_ark or s is None:
            return "—"
        return "yes" if s[0] <= limit else "**no**"

    cpu = platform.processor() or "?"
    if os.path.exists("/proc/cpuinfo"):
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                    if line.startswith("model name")), cpu)
    size_words = f"{sizes[0]} apps" if len(sizes) == 1 else \
        ", ".join(map(str, sizes[:-1])) + f" and {sizes[-1]} apps"

    out = []
    p = out.append
    p(f"# ark start benchmark: {size_words}, depth {depth}\n")
    for n, dag in dags:
        p(f"- catalog: {dag} (`bench/gen_dag.py`)")
    p(f"- target app `{a.top}`; busybox httpd apps, http check `/_health`")
    p(f"- ark (after, `ARK`): `{a.ark_version}` ({a.ark_path})" if have_ark
      else f"- ark (after, `ARK`): not available — {a.ark_reason}")
    if have_before:
        p(f"- ark before (`ARK_BEFORE`): `{a.before_version}` ({a.before_path}); "
          "after ÷ before < 1 means the change made it faster")
    elif before_asked:
        p(f"- ark before (`ARK_BEFORE`): not available — {a.before_reason}")
    compose_note = (f"; docker-compose {a.compose_version} at {', '.join(map(str, sorted(compose_sizes)))} apps "
                    "(file format 2.4, HEALTHCHECK every 500ms, `depends_on: condition: service_healthy`, "
                    "`init: true`)") if compose_sizes else "; docker-compose not measured"
    p(f"- engine: {a.engine}{compose_note}")
    p(f"- host: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
      f"{time.strftime('%Y-%m-%d %H:%M')}")
    busy = [int(v) for n, r, t, s, v in res.rows if s == "busy"]
    if busy:
        p(f"- host CPU busy just before each phase (1 s sample, after waiting up to {a.settle} s "
          f"for < 25%; other load skews every figure): median {statistics.median(busy):.0f}%, max {max(busy)}%")
    p(f"- {runs} runs of each at each size, fresh (everything removed between runs), the order of the "
      "phases rotating per run; median **bold**, (min–max)")
    p("- engine floor = `bench/engine_floor.py`: the same N containers as ark creates them (image, command, "
      "`init`, 127.0.0.1 port, one bridge network) created and started all at once straight through the "
      "Engine API (v1.41, unix socket, a thread each, no ordering between apps) → every one answering "
      "`/_health` on its container IP (host polls every 15 ms); its down = all stopped (grace 10 s) and "
      "removed at once, then the network"
      + ("" if have_floor else f" — not available: {a.floor_reason}"))
    p("- compose cold = `docker-compose up -d` + `docker inspect` every 100 ms until all are healthy; "
      f"ideal = {depth} (depth) × one app's `docker run -d --init` → health URL answering "
      f"(host polls every 15 ms; median of {a.samples} starts per run)")
    p("- targets are the ones set for 20 apps, shown at every size\n")

    before_cols = have_before or before_asked

    p("## cold: nothing → all apps healthy\n")
    hdr = ["Apps"] + (["ark before", "ark (after)", "after ÷ before"] if before_cols else ["ark"]) \
        + ["engine floor", "ark ÷ floor", "docker-compose", "ideal", "Target (ark)", "Met"]
    p("| " + " | ".join(hdr) + " |")
    p("|" + "|".join(["---:"] * (len(hdr) - 2) + [":---", ":---"]) + "|")
    for n in sizes:
        row = [str(n)] + ([cell(n, "before", "cold")] if before_cols else []) + [cell(n, "ark", "cold")]
        if before_cols:
            row.append(after_before(n, "cold"))
        row += [cell(n, "floor", "up"), vs_floor(n, "cold", "up"), cell(n, "compose", "cold"),
                fmt(ideal_s(n)), cold_target(n), met_cold(n)]
        p("| " + " | ".join(row) + " |")

    p("\n## no-op re-run\n")
    hdr = ["Apps"] + (["ark before", "ark (after)", "after ÷ before"] if before_cols else ["ark"]) \
        + ["docker-compose", "Target (ark)", "Met"]
    p("| " + " | ".join(hdr) + " |")
    p("|" + "|".join(["---:"] * (len(hdr) - 2) + [":---", ":---"]) + "|")
    for n in sizes:
        row = [str(n)] + ([cell(n, "before", "noop")] if before_cols else []) + [cell(n, "ark", "noop")]
        if before_cols:
            row.append(after_before(n, "noop"))
        row += [cell(n, "compose", "noop"), "≤ 0.3 s", met_abs(n, "noop", 0.3)]
        p("| " + " | ".join(row) + " |")

    p("\n## down\n")
    hdr = ["Apps"] + (["ark before", "ark (after)", "after ÷ before"] if before_cols else ["ark"]) \
        + ["engine floor", "ark ÷ floor", "docker-compose", "Target (ark)", "Met"]
    p("| " + " | ".join(hdr) + " |")
    p("|" + "|".join(["---:"] * (len(hdr) - 2) + [":---", ":---"]) + "|")
    for n in sizes:
        row = [str(n)] + ([cell(n, "before", "down")] if before_cols else []) + [cell(n, "ark", "down")]
        if before_cols:
            row.append(after_before(n, "down"))
        row += [cell(n, "floor", "down"), vs_floor(n, "down", "down"), cell(n, "compose", "down"),
                "≤ 3 s", met_abs(n, "down", 3.0)]
        p("| " + " | ".join(row) + " |")

    p("\n## parts (informative)\n")
    p(f"| Apps | one app (ideal, single start) | layer-parallel (each layer's apps `docker run` at once, "
      f"summed over the {depth} layers) | floor: first app answering | floor: creating the network |")
    p("|---:|---:|---:|---:|---:|")
    for n in sizes:
        one = ideal_one(n)
        layers = res.summary(n, "ideal", "layers")
        fl = [cell(n, "floor", "first"), cell(n, "floor", "network")] if have_floor else ["—", "—"]
        p(f"| {n} | {fmt(summary(list(one.values())))} | {fmt(*layers)} | " + " | ".join(fl) + " |")

    # every run
    cols = []
    for tool, label in (("before", "before"), ("ark", "ark")):
        if tool == "ark" or before_cols:
            cols += [(tool, s, f"{label} {s.replace('noop', 'no-op')}") for s in STEPS]
    cols += [("floor", "up", "floor up"), ("floor", "down", "floor down")]
    if compose_sizes:
        cols += [("compose", s, f"compose {s.replace('noop', 'no-op')}") for s in STEPS]
    phases = ["ideal"] + [t for t in ("before", "ark", "floor") if any(c[0] == t for c in cols)] \
        + (["compose"] if compose_sizes else [])
    p("\n<details><summary>every run (s)</summary>\n")
    p(f"| Apps | Run | CPU busy before {'/'.join(phases)} | " + " | ".join(c[2] for c in cols)
      + " | ideal one app (samples) | ideal × depth | layer-parallel |")
    p("|" + "|".join(["---:"] * (3 + len(cols)) + [":---", "---:", "---:"]) + "|")
    for n in sizes:
        runs_ideal = ideal_runs(n)
        for r in range(1, runs + 1):
            here = [x for x in res.rows if int(x[0]) == n and int(x[1]) == r]
            hb = {t: v for _, _, t, s, v in here if s == "busy"}
            cells = [str(n), str(r), "/".join(hb[t] + "%" if t in hb else "–" for t in phases)]
            for tool, step, _ in cols:
                v = [x[4] for x in here if x[2] == tool and x[3] == step]
                if tool == "ark" and not have_ark or tool == "before" and not have_before \
                        or tool == "floor" and not have_floor:
                    cells.append("n/a")
                elif not v:
                    cells.append("—")
                elif v[0].startswith("fail:"):
                    cells.append("failed: " + v[0][5:])
                else:
                    cells.append(f"{int(v[0]) / 1e6:.2f}")
            smp = runs_ideal.get(r, [])
            cells.append(" ".join(f"{v:.3f}" for v in smp) or "failed")
            cells.append(f"{depth * statistics.median(smp):.2f}" if smp else "—")
            lp = [v for rr, v in res.values(n, "ideal", "layers")[0] if rr == r]
            cells.append(f"{lp[0]:.2f}" if lp else "—")
            p("| " + " | ".join(cells) + " |")
    for n, r, t, s, v in res.rows:
        if s == "check":
            p(f"\n{n} apps, run {r}: {t}: {v[5:] if v.startswith('fail:') else v}")
    p("\n</details>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
