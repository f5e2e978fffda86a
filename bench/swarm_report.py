#!/usr/bin/env python3
"""The markdown report of `bench/swarm.sh`: ark on Swarm vs ark on plain Docker vs stack deploy.

    swarm_report.py RESULTS.tsv NODES.txt --apps 20 --depth 4 --runs 3 --ark V --engine E --dag D

RESULTS.tsv: CLUSTER RUN TOOL STEP VALUE (microseconds, or "fail:<why>"); tools swarm, docker,
stack; steps cold, noop, down, update. NODES.txt: RUN "nodes" NODE=TASKS (pair). Stdout.
"""
import argparse
import platform
import statistics
import time

p = argparse.ArgumentParser()
p.add_argument("results")
p.add_argument("nodes")
for k in ("apps", "depth", "runs", "ark", "engine", "dag"):
    p.add_argument("--" + k, required=True)
a = p.parse_args()
rows = [line.rstrip("\n").split("\t") for line in open(a.results) if line.strip()]


def vals(cluster, tool, step):
    ok = [int(v) / 1e6 for c, r, t, s, v in rows if (c, t, s) == (cluster, tool, step) and not v.startswith("fail")]
    bad = [f"run {r}: {v[5:]}" for c, r, t, s, v in rows if (c, t, s) == (cluster, tool, step) and v.startswith("fail")]
    return ok, bad


def cell(cluster, tool, step):
    ok, bad = vals(cluster, tool, step)
    if not ok:
        return "—" if not bad else "failed"
    m = statistics.median(ok)
    s = f"{m:.2f} s ({min(ok):.2f}–{max(ok):.2f})" if len(ok) > 1 else f"{m:.2f} s"
    return s + (f", {len(bad)} failed" if bad else "")


def med(cluster, tool, step):
    ok, _ = vals(cluster, tool, step)
    return statistics.median(ok) if ok else None


def ratio(x, y):
    return f"{x / y:.2f}×" if x and y else "—"


print(f"# bench/swarm.sh — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
print(f"- ark: {a.ark} (release build)\n- engine: {a.engine}, daemons of scripts/swarm-cluster.sh")
print(f"- host: {platform.machine()}, {platform.system()} {platform.release()}")
print(f"- catalog: {a.dag} (bench/gen_dag.py); {a.runs} runs, median (min–max), order rotating\n")
print("## One-node swarm (solo)\n")
print("| step | ark, engine: swarm | ark, engine: docker | docker stack deploy / rm | swarm ÷ docker | swarm ÷ stack |")
print("|---|---:|---:|---:|---:|---:|")
for step, name in (("cold", "cold: nothing → all ready"), ("noop", "no-op re-run"), ("down", "down → nothing left")):
    print(f"| {name} | {cell('solo', 'swarm', step)} | {cell('solo', 'docker', step)} | {cell('solo', 'stack', step)} "
          f"| {ratio(med('solo', 'swarm', step), med('solo', 'docker', step))} "
          f"| {ratio(med('solo', 'swarm', step), med('solo', 'stack', step))} |")
if any(r[0] == "pair" for r in rows):
    print("\n## Two-node swarm (pair), registry 127.0.0.1:5000\n")
    print("| step | ark, engine: swarm |\n|---|---:|")
    for step, name in (("cold", "cold start (image pushed to the registry inside)"),
                       ("update", "rolling update of one app (`--set l0-1.BENCH=N`) → new task ready"),
                       ("down", "down")):
        print(f"| {name} | {cell('pair', 'swarm', step)} |")
    nodes = [line.split("\t")[2].strip() for line in open(a.nodes) if line.strip()]
    if nodes:
        print(f"\nTasks per node after each cold start: {', '.join(nodes)}")
fails = [f"{c} {t} {s} run {r}: {v[5:]}" for c, r, t, s, v in rows if v.startswith("fail")]
print("\n## Every run\n\n| cluster | run | tool | step | s |\n|---|---:|---|---|---:|")
for c, r, t, s, v in rows:
    print(f"| {c} | {r} | {t} | {s} | {v if v.startswith('fail') else f'{int(v) / 1e6:.2f}'} |")
