"""The real-server harness: each variant under real servers, loaded by ``wrk`` on 127.0.0.1.

ASGI variants run under uvicorn and granian; WSGI variants under gunicorn
(sync and gthread workers) and granian. One worker process each, so the
figures compare per-process throughput. ``wrk`` (Debian's package) sends the
load; its req/s and latency percentiles are recorded per round.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(variant: str, server: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    argv = [part.format(port=port) for part in SERVERS[server]["argv"]]
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env={**os.environ, "BENCH_VARIANT": variant, "PYTHONWARNINGS": "ignore"},
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
    return {
        "rps": rate,
        "p50": p50,
        "p99": p99,
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--endpoints", default="ping,get_item,post_item")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print(
            "wrk is needed: apt-get install wrk (scripts/install-bench-tools does it)",
            file=sys.stderr,
        )
        return 2
    endpoints = args.endpoints.split(",")
    duration, rounds = (1, 1) if args.smoke else (args.duration, args.rounds)
    configs = [
        (variant, server)
        for variant in args.variants.split(",")
        for server in args.servers.split(",")
        if VARIANTS[variant][0] == SERVERS[server]["kind"]
        and not (variant == "flask-async-views" and server.startswith("granian"))
    ]
    samples: dict[str, dict[str, list[dict[str, float]]]] = {}
    for _ in range(rounds):
        for variant, server in configs:
            process, port = start(variant, server)
            try:
                for endpoint in endpoints:
                    result = load(port, endpoint, duration, args.connections)
                    samples.setdefault(f"{variant} @ {server}", {}).setdefault(endpoint, []).append(
                        result
                    )
            finally:
                stop(process)
    table = {
        name: {
            endpoint: {
                "rps_median": statistics.median(r["rps"] for r in runs),
                "rps_min": min(r["rps"] for r in runs),
                "rps_max": max(r["rps"] for r in runs),
                "p50_ms": statistics.median(r["p50"] for r in runs) * 1000,
                "p99_ms": statistics.median(r["p99"] for r in runs) * 1000,
                "non_2xx": sum(r["non_2xx"] for r in runs),
            }
            for endpoint, runs in per_endpoint.items()
        }
        for name, per_endpoint in samples.items()
    }
    lines = [
        "| variant @ server | " + " | ".join(f"{e} req/s (p50 / p99 ms)" for e in endpoints) + " |",
        "|---|" + "---:|" * len(endpoints),
    ]
    for name, row in table.items():
        cells = [
            f"{row[e]['rps_median']:,.0f} ({row[e]['p50_ms']:.2f} / {row[e]['p99_ms']:.2f})"
            for e in endpoints
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out is not None:
        from .run import environment

        args.out.mkdir(parents=True, exist_ok=True)
        settings = {name: SERVERS[name]["settings"] for name in SERVERS}
        result = {
            "environment": environment(),
            "wrk": f"-t1 -c{args.connections} -d{duration}s",
            "servers": settings,
            "rounds": rounds,
            "samples": samples,
            "table": table,
        }
        (args.out / "servers.json").write_text(json.dumps(result, indent=2))
        (args.out / "servers.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
