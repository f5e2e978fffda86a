#!/usr/bin/env python3
"""Generate a layered app DAG as an ark catalog AND the equivalent compose file.

    gen_dag.py OUT_DIR [--apps 20] [--depth 4] [--seed 1] [--image ark-bench-http:latest]
               [--version-page]

Writes (python3 stdlib only, deterministic for a given --apps/--depth/--seed/--image):

  OUT_DIR/apps/<app>.yml       one ark definition per app (busybox httpd, an http check)
  OUT_DIR/environments/        an empty folder (the benchmark's environments need no file)
  OUT_DIR/docker-compose.yml   the same apps for docker-compose v1 (file format "2.4"):
                               same image and command, `init: true`, the same check as a
                               HEALTHCHECK every 500ms, `depends_on: condition: service_healthy`,
                               ports "127.0.0.1::8080" (ephemeral, like ark)
  OUT_DIR/docker-stack.yml     the same apps for `docker stack deploy` (format "3.8"): same
                               image and command, dnsrr endpoint mode on one attachable
                               overlay network, no ports, restart condition none, and the
                               HEALTHCHECK ark gives a Swarm task (every 1s, timeout 3s,
                               3 retries, start period 600s); no ordering (Swarm has none)

--version-page (bench/rollover.sh): every app also has the variable APP_VERSION (default "1"
in the definition's `env:` and in both compose files' `environment:`) and answers `/` with its
value: the command becomes `sh -c` writing $APP_VERSION to /www/index.html, then exec-ing the
same httpd (`$$` in the compose files, which interpolate `$`; ark leaves a command as it is).
Without it the output is byte for byte what it was, so the other benchmarks are unchanged.

The apps form `--depth` layers. The last layer is one app, `top`, that depends on every app
of the layer below it; the other apps are spread as evenly as possible over the layers below
(20 apps, depth 4: 6/7/6/1). Every app of layer k > 0 depends on 1-3 apps of layer k-1 (`top`
excepted), and every app of a layer below the top is depended on by at least one app of the
next layer, so starting `top` starts all the apps and the longest chain is exactly --depth.

Prints the top app's name (`top`) to stdout and a one-line summary to stderr.
"""
import argparse
import os
import random
import sys

PORT = 8080
HEALTH_PATH = "/_health"
COMMAND = ["httpd", "-f", "-p", str(PORT), "-h", "/www"]
CHECK = f"timeout 1 wget -q -O- http://127.0.0.1:{PORT}{HEALTH_PATH}"
MAX_DEPS = 3
VERSION_VAR = "APP_VERSION"
VERSION_DEFAULT = "1"


def command(version_page, dollar="$"):
    """The app's command; with --version-page, a shell writing the version page first."""
    if not version_page:
        return COMMAND
    return ["sh", "-c", f'echo "{dollar}{VERSION_VAR}" >/www/index.html && exec ' + " ".join(COMMAND)]


def flow(items):
    """A YAML flow sequence of plain or double-quoted scalars."""
    out = []
    for s in items:
        plain = s and s.replace("-", "").replace("_", "").replace("/", "").replace(".", "").isalnum() \
            and not s.isdigit()
        out.append(s if plain else '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "[" + ", ".join(out) + "]"


def layer_sizes(apps, depth):
    if depth < 1:
        sys.exit("gen_dag.py: --depth must be >= 1")
    if depth == 1:
        if apps != 1:
            sys.exit("gen_dag.py: --depth 1 means a single app: use --apps 1")
        return [1]
    rest = apps - 1
    below = depth - 1
    if rest < below:
        sys.exit(f"gen_dag.py: --apps {apps} is too few for --depth {depth} (need >= {depth})")
    base, extra = divmod(rest, below)
    sizes = [base] * below
    # Give the remainder to the middle layers first (20 apps, depth 4: 6/7/6).
    order = sorted(range(below), key=lambda i: (abs(i - (below - 1) / 2), i))
    for i in order[:extra]:
        sizes[i] += 1
    for k in range(1, below):
        if sizes[k - 1] > MAX_DEPS * sizes[k]:
            sys.exit(f"gen_dag.py: layer {k - 1} ({sizes[k - 1]} apps) cannot be covered by layer {k} "
                     f"({sizes[k]} apps, <= {MAX_DEPS} dependencies each); use more depth or fewer apps")
    return sizes + [1]


def build(apps, depth, seed):
    rng = random.Random(seed)
    sizes = layer_sizes(apps, depth)
    width = len(str(max(sizes)))
    layers = []
    for k, n in enumerate(sizes):
        if k == len(sizes) - 1:
            layers.append(["top"])
        else:
            layers.append([f"l{k}-{i + 1:0{width}d}" for i in range(n)])
    deps = {name: [] for layer in layers for name in layer}
    for k in range(1, len(layers)):
        lower, upper = layers[k - 1], layers[k]
        if upper == ["top"]:
            deps["top"] = list(lower)
            continue
        # Coverage first: every lower app gets at least one dependent.
        shuffled = lower[:]
        rng.shuffle(shuffled)
        for i, name in enumerate(shuffled):
            deps[upper[i % len(upper)]].append(name)
        # Then top each upper app up to a random 1..3 dependencies.
        for name in upper:
            want = min(max(len(deps[name]), rng.randint(1, MAX_DEPS)), len(lower))
            others = [x for x in lower if x not in deps[name]]
            rng.shuffle(others)
            deps[name] += others[:want - len(deps[name])]
            deps[name].sort(key=lower.index)
    return layers, deps


def ark_definition(name, dependencies, image, version_page):
    lines = [
        f"# {name}: generated by bench/gen_dag.py",
        "run:",
        "  type: docker",
        f"  image: {image}",
        f"  command: {flow(command(version_page))}",
    ]
    if version_page:
        lines += ["env:", f'  {VERSION_VAR}: "{VERSION_DEFAULT}"']
    lines += [
        "expose:",
        "- name: http",
        f"  port: {PORT}",
        "  health_check:",
        "    type: http",
        f"    path: {HEALTH_PATH}",
    ]
    if dependencies:
        lines.append(f"dependencies: {flow(dependencies)}")
    return "\n".join(lines) + "\n"


def service_head(name, image, version_page):
    """A compose service's first lines, the same in both files: image, command, init (and the
    version variable with --version-page)."""
    out = [f"  {name}:", f"    image: {image}", f"    command: {flow(command(version_page, '$$'))}",
           "    init: true"]
    if version_page:
        out += ["    environment:", f'      {VERSION_VAR}: "{VERSION_DEFAULT}"']
    return out


def compose_file(layers, deps, image, seed, version_page):
    out = [
        "# generated by bench/gen_dag.py: the same apps as apps/*.yml, for docker-compose v1",
        f"# {sum(map(len, layers))} apps in {len(layers)} layers "
        f"({'/'.join(str(len(layer)) for layer in layers)}), seed {seed}",
        'version: "2.4"',
        "services:",
    ]
    for layer in layers:
        for name in layer:
            out += service_head(name, image, version_page) + [
                "    ports:",
                f'    - "127.0.0.1::{PORT}"',
                "    labels:",
                '      ark-bench: "true"',
                "    healthcheck:",
                f"      test: {flow(['CMD', 'sh', '-c', CHECK])}",
                "      interval: 500ms",
            ]
            if deps[name]:
                out.append("    depends_on:")
                for d in deps[name]:
                    out += [f"      {d}:", "        condition: service_healthy"]
    return "\n".join(out) + "\n"


def stack_file(layers, image, seed, version_page):
    out = [
        "# generated by bench/gen_dag.py: the same apps as apps/*.yml, for docker stack deploy",
        f"# {sum(map(len, layers))} apps, seed {seed}; Swarm ignores ordering, so none is given",
        'version: "3.8"',
        "networks:",
        "  default:",
        "    driver: overlay",
        "    attachable: true",
        "services:",
    ]
    for layer in layers:
        for name in layer:
            out += service_head(name, image, version_page) + [
                "    healthcheck:",
                f"      test: {flow(['CMD-SHELL', CHECK])}",
                "      interval: 1s",
                "      timeout: 3s",
                "      retries: 3",
                "      start_period: 600s",
                "    deploy:",
                "      endpoint_mode: dnsrr",
                "      restart_policy:",
                "        condition: none",
            ]
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", help="output folder (created; apps/ and docker-compose.yml are replaced)")
    p.add_argument("--apps", type=int, default=20)
    p.add_argument("--depth", type=int, default=4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--image", default="ark-bench-http:latest")
    p.add_argument("--version-page", action="store_true",
                   help=f"apps answer / with ${VERSION_VAR} (default {VERSION_DEFAULT}); for bench/rollover.sh")
    a = p.parse_args()
    if a.apps < 1:
        sys.exit("gen_dag.py: --apps must be >= 1")

    layers, deps = build(a.apps, a.depth, a.seed)
    apps_dir = os.path.join(a.out, "apps")
    os.makedirs(apps_dir, exist_ok=True)
    os.makedirs(os.path.join(a.out, "environments"), exist_ok=True)
    for f in os.listdir(apps_dir):
        if f.endswith(".yml"):
            os.remove(os.path.join(apps_dir, f))
    for layer in layers:
        for name in layer:
            with open(os.path.join(apps_dir, name + ".yml"), "w") as f:
                f.write(ark_definition(name, deps[name], a.image, a.version_page))
    with open(os.path.join(a.out, "docker-compose.yml"), "w") as f:
        f.write(compose_file(layers, deps, a.image, a.seed, a.version_page))
    with open(os.path.join(a.out, "docker-stack.yml"), "w") as f:
        f.write(stack_file(layers, a.image, a.seed, a.version_page))

    edges = sum(len(v) for v in deps.values())
    print(f"gen_dag.py: {a.apps} apps in {len(layers)} layers "
          f"({'/'.join(str(len(layer)) for layer in layers)}), {edges} dependency edges, "
          f"seed {a.seed} -> {a.out}", file=sys.stderr)
    print(layers[-1][0])


if __name__ == "__main__":
    main()
