"""Memory per request and per worker: ``python -m benchmarks.memory [--out DIR]``.

Every variant of ``apps.VARIANTS`` (dualweb on each host, and the same endpoints on native
FastAPI, raw Starlette, raw Flask, Flask's own async views and Litestar), in one run:

- **In-process**, per endpoint of ``inprocess.ENDPOINTS``, through ``inprocess``'s drivers
  (no sockets, one request at a time), under tracemalloc, after a warm-up of the same
  request, then two runs of ``--requests`` requests. *Peak per request*: the most memory
  tracemalloc saw live at once during a request, above what was live when it began; the
  median and the maximum over both runs. It is what each request in flight adds to a
  process: memory allocated and freed again within the request counts once, at its
  high-water mark (tracemalloc follows live memory, not a running total of allocations).
  *Retained*: what is still traced after each run, once a collection has run; its growth
  from the first run to the second, divided by ``--requests``, is what a request leaves
  behind (what fills once, a cache, fills in the first), about 0 for an app that keeps
  nothing: a leak of one small object per request shows as 50 bytes or more.
- **On a real server**, one worker: uvicorn for the ASGI variants, gunicorn's gthread
  worker (8 threads) for the WSGI ones (``servers.SERVERS``' command lines), with glibc's
  malloc held to two arenas (``MALLOC_ARENA_MAX=2``: ``SERVER_ENV`` of tests/test_load.py,
  which says why). wrk sends the endpoints of ``--mix`` in turn on ``--connections``
  connections, ``--count`` requests a round, every status checked; the worker's resident
  memory is read after a warm-up round and after each of ``--rounds`` rounds.

Prints one JSON line per measurement as it goes, then the Markdown tables; ``--out DIR``
also writes DIR/memory.json and DIR/memory.md. The defaults are the recorded run (100,000
requests per worker after the warm-up, docs/performance.md, "Memory"); ``--smoke`` is a
tiny one that checks it all works.
"""

from __future__ import annotations

import argparse
import array
import collections
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import tracemalloc
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.test_load import MB, SERVER_ENV, resident

from .apps import VARIANTS
from .inprocess import ENDPOINTS, driver_for
from .rss import summarize
from .servers import SERVERS, start, stop

#: The endpoints of a megabyte of JSON: in-process they run a tenth as many requests as the
#: others (``HEAVY_SHARE``), and the real servers' mix leaves them out by default (each would
#: take as long as a hundred of the others).
HEAVY = ("big_1mb", "big_plain")
HEAVY_SHARE = 20
#: The server that runs each kind of variant.
SERVER_FOR = {"asgi": "uvicorn", "wsgi": "gunicorn-gthread"}


# --- in-process, under tracemalloc -------------------------------------------------------


class PeakPerRequest:
    """Wraps an app so that each HTTP request records the most memory tracemalloc saw live
    during it, above what was live when it began: in ``peaks``, as long as it has room.

    NOTE: ``peaks`` is an array made before tracing starts, filled in place: a list would
    keep an int object per request, which the growth measured would count.
    """

    def __init__(self) -> None:
        self.clear(0)

    def clear(self, room: int) -> None:
        self.peaks = array.array("q", bytes(8 * room))
        self.taken = 0

    def record(self, peak: int) -> None:
        if self.taken < len(self.peaks):
            self.peaks[self.taken] = peak
            self.taken += 1

    def wrap(self, kind: str, app: Any) -> Any:
        return self._asgi(app) if kind == "asgi" else self._wsgi(app)

    def _asgi(self, app: Any) -> Any:
        async def traced(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            await app(scope, receive, send)
            self.record(tracemalloc.get_traced_memory()[1] - before)

        return traced

    def _wsgi(self, app: Any) -> Any:
        # A generator: the app is called when the server starts on the body, and the peak is
        # read once the body is sent and closed.
        def traced(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            iterable = app(environ, start_response)
            try:
                yield from iterable
            finally:
                close = getattr(iterable, "close", None)
                if close is not None:
                    close()
                self.record(tracemalloc.get_traced_memory()[1] - before)

        return traced


def traced(variant: str, endpoints: list[str], requests: int, warmup: int) -> Iterator[dict]:
    """Peak per request and retained, for each of ``endpoints`` served by ``variant``."""
    kind, factory = VARIANTS[variant]
    probe = PeakPerRequest()
    driver = driver_for(kind, probe.wrap(kind, factory()))
    try:
        for endpoint in endpoints:
            share = HEAVY_SHARE if endpoint in HEAVY else 1
            count = max(1, requests // share)
            driver.run(endpoint, max(1, warmup // share))
            probe.clear(2 * count)
            gc.collect()
            retained = []
            tracemalloc.start()
            try:
                for _half in range(2):
                    driver.run(endpoint, count)
                    gc.collect()
                    retained.append(tracemalloc.get_traced_memory()[0])
            finally:
                tracemalloc.stop()
            peaks = probe.peaks[: probe.taken]
            probe.clear(0)
            yield {
                "part": "inprocess",
                "variant": variant,
                "endpoint": endpoint,
                "requests": 2 * count,
                "peak_bytes_median": round(statistics.median(peaks)),
                "peak_bytes_max": max(peaks),
                "retained_bytes": retained,
                "growth_bytes_per_request": round((retained[1] - retained[0]) / count, 1),
            }
    finally:
        driver.close()


# --- a real server's worker ------------------------------------------------------------------

#: wrk's script: the requests of the mix in turn; once as many answers have come as its
#: argument says, it prints how many came with each status and ends wrk (wrk's own stop
#: waits out its whole duration).
COUNTED = """
local requests = {}
local wanted = 0
local sent = 0
local answered = 0
local statuses = {}

function init(args)
  wanted = tonumber(args[1])
REQUESTS
end

function request()
  sent = sent + 1
  return requests[(sent - 1) % #requests + 1]
end

function response(status, headers, body)
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  if answered == wanted then
    for code, count in pairs(statuses) do
      io.write(string.format("status %d %d\\n", code, count))
    end
    io.flush()
    os.exit(0)
  end
end
"""


def counted_script(mix: list[str]) -> str:
    lines = []
    for number, endpoint in enumerate(mix, 1):
        method, path, query, body, _expected = ENDPOINTS[endpoint]
        target = json.dumps(path + (f"?{query}" if query else ""))
        call = f"wrk.format({json.dumps(method)}, {target}"
        if body:
            call += f', {{["Content-Type"] = "application/json"}}, {json.dumps(body.decode())}'
        call += ")"
        lines.append(f"  requests[{number}] = {call}")
    return COUNTED.replace("REQUESTS", "\n".join(lines))


def send(port: int, mix: list[str], count: int, connections: int) -> None:
    """``count`` requests of ``mix`` in turn, by wrk; each status as the endpoint's."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(counted_script(mix))
    try:
        out = subprocess.run(
            [
                *("wrk", "-t1", f"-c{connections}", "-d3600s", "-s", script.name),
                *(f"http://127.0.0.1:{port}/", "--", str(count)),
            ],
            capture_output=True,
            text=True,
            timeout=3660,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    answered = collections.Counter(
        {int(code): int(n) for code, n in re.findall(r"^status (\d+) (\d+)$", out, re.MULTILINE)}
    )
    expected = collections.Counter(ENDPOINTS[mix[k % len(mix)]][4] for k in range(count))
    # The first ``count`` answers of the requests sent: each status within the requests in
    # flight of its share.
    if answered.total() != count or any(
        abs(answered[code] - expected[code]) > connections for code in expected | answered
    ):
        raise RuntimeError(f"{count} requests of {mix}: expected {dict(expected)}, got {out!r}")


def worker(pid: int) -> int:
    """The process that serves ``pid``'s requests: its one child (gunicorn's worker), or
    ``pid`` itself (uvicorn's)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    if len(children) > 1:
        raise RuntimeError(f"{pid} has {len(children)} children: one worker was expected")
    return int(children[0]) if children else pid


def on_server(variant: str, mix: list[str], count: int, rounds: int, connections: int) -> dict:
    """The worker's resident memory after a warm-up round, then after each round."""
    server = SERVER_FOR[VARIANTS[variant][0]]
    process, port = start(variant, server, env=SERVER_ENV)
    try:
        send(port, mix, count, connections)
        pid = worker(process.pid)
        sizes = [resident(pid)]
        for _ in range(rounds):
            send(port, mix, count, connections)
            sizes.append(resident(pid))
        if worker(process.pid) != pid:
            raise RuntimeError(f"{server} running {variant} replaced its worker")
    finally:
        stop(process)
    return {
        "part": "server",
        "variant": variant,
        "server": server,
        "settings": SERVERS[server]["settings"],
        "env": SERVER_ENV,
        "connections": connections,
        "mix": mix,
        "count": count,
        "rounds": rounds,
        "rss_after_warmup_mb": round(sizes[0] / MB, 1),
        "growth_mb": round((sizes[-1] - sizes[0]) / MB, 2),
        "growth_bytes_per_request": round((sizes[-1] - sizes[0]) / (count * rounds), 1),
        "per_round": summarize(sizes, count),
    }


# --- the tables ----------------------------------------------------------------------------


def markdown(rows: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    traced_rows = [row for row in rows if row["part"] == "inprocess"]
    if traced_rows:
        variants = list(dict.fromkeys(row["variant"] for row in traced_rows))
        endpoints = list(dict.fromkeys(row["endpoint"] for row in traced_rows))
        cells = {(row["variant"], row["endpoint"]): row for row in traced_rows}
        lines += [
            "Peak per request in KB (the median; tracemalloc, in-process) and retained "
            "growth in bytes per request (the variant's largest, with its endpoint; the "
            f"1 MB endpoints, {HEAVY_SHARE} times fewer requests, are left out of it):",
            "",
            "| variant | " + " | ".join(endpoints) + " | retained |",
            "|---|" + "---:|" * (len(endpoints) + 1),
        ]
        for variant in variants:
            mine = [cells[variant, e] for e in endpoints if (variant, e) in cells]
            # A few hundred bytes settling, over the few requests of a heavy endpoint, would
            # read as tens of bytes per request: its growth is in the JSON only.
            mine = [row for row in mine if row["endpoint"] not in HEAVY] or mine
            peaks = [
                f"{cells[variant, e]['peak_bytes_median'] / 1024:.1f}"
                if (variant, e) in cells
                else ""
                for e in endpoints
            ]
            worst = max(mine, key=lambda row: row["growth_bytes_per_request"])
            retained = f"{worst['growth_bytes_per_request']:.1f} ({worst['endpoint']})"
            lines.append(f"| {variant} | " + " | ".join(peaks) + f" | {retained} |")
    served = [row for row in rows if row["part"] == "server"]
    if served:
        first = served[0]
        lines += [
            "",
            f"The worker's resident memory in MB (`MALLOC_ARENA_MAX=2`), after a warm-up round "
            f"of {first['count']:,} requests and after each of {first['rounds']} more rounds:",
            "",
            "| variant | server | after warm-up | after each round | growth | per request |",
            "|---|---|---:|---|---:|---:|",
        ]
        for row in served:
            after = ", ".join(f"{size:.1f}" for size in row["per_round"]["rss_mb"][1:])
            lines.append(
                f"| {row['variant']} | {row['server']} | {row['rss_after_warmup_mb']:.1f} "
                f"| {after} | {row['growth_mb']:+.2f} MB "
                f"| {row['growth_bytes_per_request']:+.1f} B |"
            )
    return "\n".join(lines).lstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS), help="in-process")
    parser.add_argument("--requests", type=int, default=200, help="in-process, per run")
    parser.add_argument("--warmup", type=int, default=100, help="in-process, per endpoint")
    parser.add_argument(
        "--mix",
        default=",".join(e for e in ENDPOINTS if e not in HEAVY),
        help="the endpoints a real server is sent, in turn",
    )
    parser.add_argument("--count", type=int, default=20_000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds after the warm-up one")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--part", choices=["inprocess", "server", "both"], default="both")
    parser.add_argument("--smoke", action="store_true", help="a tiny run that checks it works")
    parser.add_argument("--out", type=Path, default=None, help="directory for JSON and table")
    args = parser.parse_args(argv)
    if args.smoke:
        args.requests, args.warmup, args.count, args.rounds = 10, 10, 300, 2
    if args.part != "inprocess" and shutil.which("wrk") is None:
        print(
            "wrk is needed: apt-get install wrk (scripts/setup --system does it)", file=sys.stderr
        )
        return 2
    warnings.simplefilter("ignore")
    variants = [v for v in args.variants.split(",") if v]
    rows: list[dict[str, Any]] = []

    def record(row: dict[str, Any]) -> None:
        rows.append(row)
        print(json.dumps(row), flush=True)

    if args.part != "server":
        endpoints = [e for e in args.endpoints.split(",") if e]
        for variant in variants:
            for row in traced(variant, endpoints, args.requests, args.warmup):
                record(row)
    if args.part != "inprocess":
        mix = [e for e in args.mix.split(",") if e]
        for variant in variants:
            record(on_server(variant, mix, args.count, args.rounds, args.connections))
    text = markdown(rows)
    print(text)
    if args.out is not None:
        from .run import environment

        args.out.mkdir(parents=True, exist_ok=True)
        result = {
            "environment": environment(),
            "command": " ".join(
                ["python -m benchmarks.memory", *(sys.argv[1:] if argv is None else argv)]
            ),
            "rows": rows,
        }
        (args.out / "memory.json").write_text(json.dumps(result, indent=2) + "\n")
        (args.out / "memory.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
