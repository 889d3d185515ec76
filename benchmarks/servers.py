"""The real-server harness: each variant under real servers, loaded by ``wrk`` on 127.0.0.1.

ASGI variants run under uvicorn and granian; WSGI variants under gunicorn
(sync and gthread workers) and granian. One worker process each, so the
figures compare per-process throughput. ``wrk`` (Debian's package, installed by
``scripts/setup --system``) sends the load; its req/s and latency percentiles
are recorded per round. Each round starts every variant-server pair once, in a
shuffled order, so that a noisy neighbour spreads over all of them; the tables
give the medians of the rounds, and the ratios of dualweb to the native app on
the same server are taken within each round.

``--seed-claim`` runs the comparison ``docs/performance.md`` opens with: the same
handler source served by dualweb on Flask (gunicorn, granian) and on FastAPI
(uvicorn, granian), beside a native Flask view and native FastAPI on the same
servers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .apps import VARIANTS
from .inprocess import ENDPOINTS

ROOT = Path(__file__).resolve().parent.parent

SERVERS: dict[str, dict[str, Any]] = {
    "uvicorn": {
        "kind": "asgi",
        "argv": [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.serve_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--log-level",
            "warning",
            "--no-access-log",
            # asyncio's own loop, as recorded (the dev extra also installs uvloop, which
            # "auto" would pick).
            "--loop",
            "asyncio",
        ],
        "settings": "uvicorn, 1 worker, asyncio loop (--loop asyncio), default http implementation",
    },
    "granian-asgi": {
        "kind": "asgi",
        "argv": [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
            "--loop",
            "asyncio",
            "benchmarks.serve_app:app",
        ],
        "settings": "granian --interface asgi, 1 worker, asyncio loop (--loop asyncio)",
    },
    "gunicorn-sync": {
        "kind": "wsgi",
        "argv": [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "1",
            "-k",
            "sync",
            "-b",
            "127.0.0.1:{port}",
            "--log-level",
            "warning",
            "benchmarks.serve_app:app",
        ],
        "settings": "gunicorn -w 1 -k sync",
    },
    "gunicorn-gthread": {
        "kind": "wsgi",
        "argv": [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "1",
            "-k",
            "gthread",
            "--threads",
            "8",
            "-b",
            "127.0.0.1:{port}",
            "--log-level",
            "warning",
            "benchmarks.serve_app:app",
        ],
        "settings": "gunicorn -w 1 -k gthread --threads 8",
    },
    "granian-wsgi": {
        "kind": "wsgi",
        "argv": [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
            "benchmarks.serve_app:app",
        ],
        "settings": "granian --interface wsgi, 1 worker",
    },
}


#: What ``--seed-claim`` runs unless told otherwise: the article's two frameworks, each under
#: the servers it is deployed with, native and through dualweb, both handler colours.
SEED_CLAIM = {
    "variants": [
        "flask-raw",
        "dualweb-flask-sync",
        "dualweb-flask-async",
        "fastapi-async",
        "fastapi-sync",
        "dualweb-fastapi-async",
        "dualweb-fastapi-sync",
    ],
    "servers": ["gunicorn-sync", "gunicorn-gthread", "granian-wsgi", "uvicorn", "granian-asgi"],
    "endpoints": ["get_item", "post_item", "deps"],
}

#: The native app each dualweb variant is compared with on the same server: the same
#: handler source on native FastAPI, and a Flask view validating by hand.
NATIVE = {
    "dualweb-flask-sync": "flask-raw",
    "dualweb-flask-async": "flask-raw",
    "dualweb-fastapi-sync": "fastapi-sync",
    "dualweb-fastapi-async": "fastapi-async",
    "dualweb-starlette-sync": "starlette-raw",
    "dualweb-starlette-async": "starlette-raw",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(
    variant: str, server: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """``server`` serving ``variant`` on a free port (``env`` added to its environment)."""
    port = free_port()
    argv = [part.format(port=port) for part in SERVERS[server]["argv"]]
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env={**os.environ, **(env or {}), "BENCH_VARIANT": variant, "PYTHONWARNINGS": "ignore"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # Ready when the app answers, not when the port accepts: gunicorn's main process
    # listens before its worker has imported the app, and a load started then would time
    # the worker's start-up.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{server} running {variant} exited with {process.returncode}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            connection.request("GET", "/ping")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.1)
        finally:
            connection.close()
    stop(process)
    raise RuntimeError(f"{server} running {variant} did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _lua(method: str, body: bytes) -> str:
    if method == "GET":
        return ""
    quoted = json.dumps(body.decode())
    return (
        f'wrk.method = "{method}"\n'
        f"wrk.body = {quoted}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )


def _percentile(out: str, label: str) -> float:
    found = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    if found is None:
        return float("nan")
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[found.group(2)]
    return float(found.group(1)) * scale


def load(port: int, endpoint: str, duration: int, connections: int) -> dict[str, float]:
    method, path, query, body, _expected = ENDPOINTS[endpoint]
    url = f"http://127.0.0.1:{port}{path}" + (f"?{query}" if query else "")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(method, body))
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{duration}s",
                "--latency",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 30,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50, p99 = _percentile(out, "50"), _percentile(out, "99")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    broken = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": rate,
        "p50": p50,
        "p99": p99,
        "non_2xx": float(errors.group(1)) if errors else 0.0,
        "socket_errors": float(sum(int(n) for n in broken.groups())) if broken else 0.0,
    }


def ratios(
    samples: dict[str, dict[str, list[dict[str, float]]]],
) -> dict[str, dict[str, Any]]:
    """Each dualweb variant's req/s over its native app's on the same server (``NATIVE``).

    Both ran once in every round, so the ratio is taken round by round, between two runs
    close in time, and the median and range of the rounds' ratios are given.
    """
    found: dict[str, dict[str, Any]] = {}
    for name, per_endpoint in samples.items():
        variant, server = name.split(" @ ")
        native = f"{NATIVE.get(variant)} @ {server}"
        if native not in samples:
            continue
        row: dict[str, Any] = {"native": native}
        for endpoint, runs in per_endpoint.items():
            paired = [
                mine["rps"] / theirs["rps"]
                for mine, theirs in zip(runs, samples[native][endpoint], strict=True)
            ]
            row[endpoint] = {
                "median": statistics.median(paired),
                "min": min(paired),
                "max": max(paired),
            }
        found[name] = row
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--endpoints", default=None, help="default: ping,get_item,post_item")
    parser.add_argument("--variants", default=None, help="default: every variant")
    parser.add_argument("--servers", default=None, help="default: every server")
    parser.add_argument(
        "--seed-claim",
        action="store_true",
        help="the comparison docs/performance.md opens with: "
        + "; ".join(f"{key}: {','.join(names)}" for key, names in SEED_CLAIM.items())
        + " (each can still be narrowed with its own option)",
    )
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would run, as JSON, and run nothing"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    preset = SEED_CLAIM if args.seed_claim else {}
    variants = args.variants.split(",") if args.variants else preset.get("variants", list(VARIANTS))
    servers = args.servers.split(",") if args.servers else preset.get("servers", list(SERVERS))
    endpoints = (
        args.endpoints.split(",")
        if args.endpoints
        else preset.get("endpoints", ["ping", "get_item", "post_item"])
    )
    duration, rounds = (1, 1) if args.smoke else (args.duration, args.rounds)
    configs = [
        (variant, server)
        for variant in variants
        for server in servers
        if VARIANTS[variant][0] == SERVERS[server]["kind"]
        and not (variant == "flask-async-views" and server.startswith("granian"))
    ]
    if args.dry_run:
        plan = {
            "configs": [f"{variant} @ {server}" for variant, server in configs],
            "endpoints": endpoints,
            "wrk": f"-t1 -c{args.connections} -d{duration}s",
            "rounds": rounds,
        }
        print(json.dumps(plan, indent=2))
        return 0
    if shutil.which("wrk") is None:
        print(
            "wrk is needed: Debian's package 'wrk' (scripts/setup --system installs it)",
            file=sys.stderr,
        )
        return 2
    load_average = {"start": os.getloadavg()}
    samples: dict[str, dict[str, list[dict[str, float]]]] = {
        f"{variant} @ {server}": {endpoint: [] for endpoint in endpoints}
        for variant, server in configs
    }
    orders = []
    for _ in range(rounds):
        order = list(configs)
        random.shuffle(order)
        orders.append([f"{variant} @ {server}" for variant, server in order])
        for variant, server in order:
            process, port = start(variant, server)
            try:
                for endpoint in endpoints:
                    result = load(port, endpoint, duration, args.connections)
                    samples[f"{variant} @ {server}"][endpoint].append(result)
            finally:
                stop(process)
    load_average["end"] = os.getloadavg()
    table = {
        name: {
            endpoint: {
                "rps_median": statistics.median(r["rps"] for r in runs),
                "rps_min": min(r["rps"] for r in runs),
                "rps_max": max(r["rps"] for r in runs),
                "p50_ms": statistics.median(r["p50"] for r in runs) * 1000,
                "p99_ms": statistics.median(r["p99"] for r in runs) * 1000,
                "non_2xx": sum(r["non_2xx"] for r in runs),
                "socket_errors": sum(r["socket_errors"] for r in runs),
            }
            for endpoint, runs in per_endpoint.items()
        }
        for name, per_endpoint in samples.items()
    }
    compared = ratios(samples)
    lines = [
        "| variant @ server | " + " | ".join(f"{e} req/s (p50 / p99 ms)" for e in endpoints) + " |",
        "|---|" + "---:|" * len(endpoints),
    ]
    for name, row in table.items():
        cells = [
            f"{row[e]['rps_median']:,.0f} ({row[e]['p50_ms']:.2f} / {row[e]['p99_ms']:.2f})"
            + (" errors" if row[e]["non_2xx"] or row[e]["socket_errors"] else "")
            for e in endpoints
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if compared:
        lines += [
            "",
            "| dualweb @ server | compared with | "
            + " | ".join(f"{e} (min-max)" for e in endpoints)
            + " |",
            "|---|---|" + "---:|" * len(endpoints),
        ]
        for name, row in compared.items():
            cells = [
                f"{row[e]['median']:.2f}x ({row[e]['min']:.2f}-{row[e]['max']:.2f})"
                for e in endpoints
            ]
            lines.append(f"| {name} | {row['native']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"wrk -t1 -c{args.connections} -d{duration}s, {rounds} round(s), one worker per server;"
        " medians of the rounds; ratios of req/s taken round by round.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out is not None:
        from .run import environment

        args.out.mkdir(parents=True, exist_ok=True)
        settings = {name: SERVERS[name]["settings"] for name in servers}
        result = {
            "environment": {**environment(), "load_average": load_average},
            "wrk": f"-t1 -c{args.connections} -d{duration}s",
            "servers": settings,
            "rounds": rounds,
            "orders": orders,
            "samples": samples,
            "table": table,
            "ratios": compared,
        }
        (args.out / "servers.json").write_text(json.dumps(result, indent=2))
        (args.out / "servers.md").write_text(text)
        plot(table, endpoints, args.out / "servers.png")
    return 0


def plot(table: dict[str, Any], endpoints: list[str], path: Path) -> None:
    """``table``'s requests a second as bars, server by server, each native app above the
    dualweb variants compared with it."""
    from .run import bars

    def place(name: str) -> tuple[int, bool, str]:
        variant, server = name.split(" @ ")
        return list(SERVERS).index(server), variant.startswith("dualweb"), variant

    rows = {
        name: {
            e: (table[name][e]["rps_median"], table[name][e]["rps_min"], table[name][e]["rps_max"])
            for e in endpoints
        }
        for name in sorted(table, key=place)
    }
    bars(rows, endpoints, path)


if __name__ == "__main__":
    raise SystemExit(main())
