#!/usr/bin/env python3
"""The engine floor for `bench/start.sh`: N containers started at once, straight through the API.

    engine_floor.py --count N --image IMG --prefix NAME --label KEY=VALUE [--timeout 180]
                    [--socket /var/run/docker.sock] [--interval 0.015] [--no-down]

What ark does for a cold start, with no orchestration at all: one bridge network, then N
containers created and started together (one thread each, no ordering between them) the way
ark creates them — same image and command as the benchmark's apps, `Init: true`, port 8080
published on 127.0.0.1 at an ephemeral host port, attached to the network — each one timed
until its health URL (`GET /_health` on the container's IP, port 8080, polled from the host
every --interval s, as ark probes on a local engine) answers 2xx/3xx. Then, timed apart, the
floor of `down`: every container stopped (SIGTERM, grace 10 s, as ark) and removed at once,
then the network removed.

Docker Engine API v1.41 over the unix socket, python3 stdlib only (http.client, threads).
Everything it creates is named NAME / NAME-<i> and carries the label(s) given; it is removed
before exiting, whatever happens (forcibly, when the timed down failed or was skipped).

Prints to stdout, microseconds:
    up <us>       start of network creation -> the last container answering
    network <us>  of which: creating the network
    first <us>    start -> the first container answering (informative)
    down <us>     stop + remove of every container at once, then the network (unless --no-down)
"""
import argparse
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse

API = "/v1.41"
PORT = 8080
HEALTH_PATH = "/_health"
COMMAND = ["httpd", "-f", "-p", str(PORT), "-h", "/www"]


class UnixConnection(http.client.HTTPConnection):
    """HTTP/1.1 to the engine over its unix socket (kept alive: one per thread)."""

    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.socket_path)
        self.sock = s


class Engine:
    def __init__(self, path, timeout):
        self.path, self.timeout = path, timeout
        self.conn = UnixConnection(path, timeout)

    def call(self, method, url, body=None, ok=(200, 201, 204, 304)):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        try:
            self.conn.request(method, API + url, body=data, headers=headers)
            resp = self.conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException):
            # One retry on a fresh connection (the engine may close an idle keep-alive).
            self.conn.close()
            self.conn = UnixConnection(self.path, self.timeout)
            self.conn.request(method, API + url, body=data, headers=headers)
            resp = self.conn.getresponse()
            raw = resp.read()
        if resp.status not in ok:
            raise RuntimeError(f"{method} {url}: HTTP {resp.status}: {raw.decode(errors='replace').strip()}")
        return json.loads(raw) if raw and resp.getheader("Content-Type", "").startswith("application/json") else None

    def close(self):
        self.conn.close()


def answering(ip, timeout):
    c = http.client.HTTPConnection(ip, PORT, timeout=timeout)
    try:
        c.request("GET", HEALTH_PATH)
        return 200 <= c.getresponse().status < 400
    except (OSError, http.client.HTTPException):
        return False
    finally:
        c.close()


def labels_of(pairs):
    out = {}
    for p in pairs:
        k, sep, v = p.partition("=")
        if not sep or not k:
            sys.exit(f"engine_floor.py: --label wants KEY=VALUE (got '{p}')")
        out[k] = v
    return out


def run_all(n, work):
    """Run work(i) for i in 0..n-1 on n threads released together; returns the errors."""
    errors = []
    gate = threading.Barrier(n)

    def body(i):
        try:
            gate.wait()
            work(i)
        except Exception as e:  # noqa: BLE001 - reported, never swallowed
            errors.append(f"container {i}: {e}")

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--prefix", required=True, help="network name; containers are PREFIX-<i>")
    p.add_argument("--label", action="append", default=[], help="KEY=VALUE, on everything created")
    p.add_argument("--timeout", type=float, default=180)
    p.add_argument("--socket", default="/var/run/docker.sock")
    p.add_argument("--interval", type=float, default=0.015)
    p.add_argument("--no-down", action="store_true", help="remove forcibly, untimed")
    a = p.parse_args()
    if a.count < 1:
        sys.exit("engine_floor.py: --count must be >= 1")
    labels = labels_of(a.label)
    ids = [None] * a.count
    network = None
    main_engine = Engine(a.socket, 30)

    def create_and_wait(i):
        e = Engine(a.socket, a.timeout)
        try:
            name = f"{a.prefix}-{i}"
            created = e.call("POST", "/containers/create?" + urllib.parse.urlencode({"name": name}), {
                "Image": a.image,
                "Cmd": COMMAND,
                "Labels": labels,
                "ExposedPorts": {f"{PORT}/tcp": {}},
                "HostConfig": {
                    "Init": True,
                    "PortBindings": {f"{PORT}/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]},
                },
                "NetworkingConfig": {"EndpointsConfig": {a.prefix: {"Aliases": [f"app-{i}"]}}},
            })
            ids[i] = created["Id"]
            e.call("POST", f"/containers/{ids[i]}/start")
            info = e.call("GET", f"/containers/{ids[i]}/json")
            ip = ((info.get("NetworkSettings") or {}).get("Networks") or {}).get(a.prefix, {}).get("IPAddress")
            if not ip:
                raise RuntimeError(f"no IP on network {a.prefix}")
        finally:
            e.close()
        while not answering(ip, 1):
            if time.perf_counter() - t0 > a.timeout:
                raise RuntimeError(f"{ip}:{PORT}{HEALTH_PATH} not answering after {a.timeout:g}s")
            time.sleep(a.interval)
        done[i] = time.perf_counter()

    def stop_and_remove(i):
        if ids[i] is None:
            return
        e = Engine(a.socket, a.timeout)
        try:
            e.call("POST", f"/containers/{ids[i]}/stop?t=10")
            e.call("DELETE", f"/containers/{ids[i]}?v=true")
            ids[i] = None
        finally:
            e.close()

    done = [None] * a.count
    rc = 0
    try:
        t0 = time.perf_counter()
        main_engine.call("POST", "/networks/create", {
            "Name": a.prefix, "Driver": "bridge", "CheckDuplicate": True, "Labels": labels,
        })
        network = a.prefix
        t_net = time.perf_counter()
        errors = run_all(a.count, create_and_wait)
        if errors:
            sys.exit("engine_floor.py: " + "; ".join(errors[:3]) + (f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""))
        print("up", round((max(done) - t0) * 1e6))
        print("network", round((t_net - t0) * 1e6))
        print("first", round((min(done) - t0) * 1e6))
        sys.stdout.flush()
        if not a.no_down:
            d0 = time.perf_counter()
            errors = run_all(a.count, stop_and_remove)
            if errors:
                sys.exit("engine_floor.py: down: " + "; ".join(errors[:3]))
            main_engine.call("DELETE", f"/networks/{network}")
            network = None
            print("down", round((time.perf_counter() - d0) * 1e6))
    finally:
        # Whatever happened: force-remove what is left, then the network.
        for cid in ids:
            if cid is not None:
                try:
                    main_engine.call("DELETE", f"/containers/{cid}?force=true&v=true", ok=(204, 404))
                except Exception as e:  # noqa: BLE001
                    print(f"engine_floor.py: warning: could not remove {cid[:12]}: {e}", file=sys.stderr)
                    rc = 1
        if network is not None:
            try:
                main_engine.call("DELETE", f"/networks/{network}", ok=(204, 404))
            except Exception as e:  # noqa: BLE001
                print(f"engine_floor.py: warning: could not remove network {network}: {e}", file=sys.stderr)
                rc = 1
        main_engine.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
