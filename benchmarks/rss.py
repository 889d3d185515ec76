"""Whose is a real server's memory growth: ``python -m benchmarks.rss [CONFIG ...]``.

Each configuration, one at a time, starts one server (``test_load``'s command line)
serving either ``load_app`` (dualweb) or ``load_native`` (the same handlers without
dualweb), with glibc's malloc as it is or with ``MALLOC_ARENA_MAX`` set; sends a
warm-up round and then ``--rounds`` rounds of ``--count`` of ``test_load``'s requests
(each checked); and prints, as one JSON line per configuration, the worker's resident
memory after each round, its growth from round to round (and their median) and from
the first round to the last, per round, in MB, and Python's allocated blocks after each
round (``sys.getallocatedblocks``, once the round's garbage is collected). A
configuration is ``server:app:arenas``, e.g. ``gunicorn:native:2`` (``arenas`` ``-``
leaves malloc as it is). Figures in benchmarks/LOG.md, "Load and memory".
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys

from tests._servers import server_in_session
from tests.test_load import MB, SERVERS, Load, resident

#: Each server's command line, and the app that replaces dualweb's in it for ``native``.
COMMANDS = {
    "gunicorn": (SERVERS["gunicorn-gthread"], "tests.load_native:flask_app"),
    "uvicorn": (SERVERS["uvicorn-fastapi"], "tests.load_native:fastapi_app"),
    # granian's baseline is native FastAPI: an ASGI app without dualweb on the same server.
    "granian": (SERVERS["granian-starlette"], "tests.load_native:fastapi_app"),
}
DEFAULT = [
    f"{server}:{app}:{arenas}"
    for server in ("gunicorn", "uvicorn")
    for app in ("dualweb", "native")
    for arenas in ("-", "2")
]


def command(server: str, app: str) -> str:
    """The command line of ``server`` serving dualweb's load app or the native one."""
    line, native = COMMANDS[server]
    if app == "dualweb":
        return line
    if app != "native":
        raise SystemExit(f"no {app} app for {server}")
    return line.replace(line.split()[-1], native)


def measure(config: str, count: int, rounds: int) -> dict[str, object]:
    """The worker's RSS after each round of ``config``, and its growth per round."""
    server, app, arenas = config.split(":")
    env = {} if arenas == "-" else {"MALLOC_ARENA_MAX": arenas}
    with server_in_session(command(server, app), "/stats/ready", env=env) as running:
        pid = Load(running.port, count).send().check(running)["pid"]
        sizes, blocks = [], []
        for _ in range(rounds):
            stats = Load(running.port, count).send().check(running)
            assert stats["pid"] == pid, "another worker served a round"
            sizes.append(resident(pid))
            blocks.append(stats["blocks"])
    return {"config": config, "count": count, **summarize(sizes, count), "python_blocks": blocks}


def summarize(sizes: list[int], count: int) -> dict[str, object]:
    """A worker's resident memory after each round of ``count`` requests (bytes, two rounds
    or more), in MB; its growth from round to round, their median, and the net growth from
    the first round to the last, per round; and the median growth per request, in bytes."""
    growth = [(b - a) / MB for a, b in itertools.pairwise(sizes)]
    return {
        "rss_mb": [round(s / MB, 1) for s in sizes],
        "growth_mb": [round(g, 2) for g in growth],
        "median_growth_mb": round(statistics.median(growth), 2),
        "net_growth_mb_per_round": round((sizes[-1] - sizes[0]) / MB / len(growth), 2),
        "bytes_per_request": round(statistics.median(growth) * MB / count),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", default=DEFAULT)
    parser.add_argument("--count", type=int, default=25_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    for config in args.configs:
        print(json.dumps(measure(config, args.count, args.rounds)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
