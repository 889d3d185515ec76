"""What dualweb withstands, in one line: ``python -m benchmarks.hardening [--long]``.

Runs the bad-input, limits, load and fault tests that exist among ``FILES`` with
pytest, in this process, and counts what they tried: bad-input cases times the
hosts they ran on, requests sent under load (every one answered with its own id,
every teardown and background task run once), faults on real servers. ``--long``
adds the full sizes (``-m long``: minutes). The exit status is pytest's.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The test files counted, when they exist.
FILES = {
    "bad_input": "tests/test_bad_input.py",
    "limits": "tests/test_limits.py",
    "load": "tests/test_load.py",
    "faults": "tests/test_faults.py",
    "disconnects": "tests/test_disconnects.py",
}
#: The parameters that name where a test ran: a host (in-process) or a real server.
HOSTS = ("dualweb_host", "host")
SERVER = "server"
WHERE = (*HOSTS, SERVER)


class Tally:
    """A pytest plugin: per file, the outcomes, the cases and where they ran."""

    def __init__(self) -> None:
        self.outcomes: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )
        self.cases: dict[str, set[str]] = collections.defaultdict(set)
        self.hosts: dict[str, set[str]] = collections.defaultdict(set)
        self.servers: dict[str, set[str]] = collections.defaultdict(set)
        self.requests = 0
        self._params: dict[str, dict[str, Any]] = {}

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        for item in items:
            spec = getattr(item, "callspec", None)
            self._params[item.nodeid] = dict(spec.params) if spec else {}

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when == "call" or (report.when == "setup" and not report.passed):
            kind = _kind(report.nodeid)
            self.outcomes[kind][report.outcome] += 1
            if report.when != "call" or not report.passed:
                return
            params = self._params.get(report.nodeid, {})
            self.hosts[kind].update(str(params[name]) for name in HOSTS if name in params)
            self.servers[kind].update([str(params[SERVER])] if SERVER in params else [])
            case = report.nodeid.split("[")[0]
            others = [f"{k}={v}" for k, v in sorted(params.items()) if k not in WHERE]
            self.cases[kind].add(case + repr(others))
            if kind == "load" and "count" in params:
                self.requests += int(params["count"]) * (int(params.get("rounds", 0)) + 1)

    def line(self) -> str:
        parts = []
        if "bad_input" in self.outcomes:
            parts.append(
                f"{len(self.cases['bad_input']):,} bad-input cases x "
                f"{len(self.hosts['bad_input'] | self.servers['bad_input']) or 1} hosts"
            )
        if "limits" in self.outcomes:
            parts.append(f"{self._passed('limits'):,} limit checks")
        if "load" in self.outcomes:
            parts.append(
                f"{self.requests:,} requests under load (on {len(self.servers['load'])} real "
                f"servers and {len(self.hosts['load'])} hosts in-process), each answered "
                "with its own id, every teardown and task run once"
            )
        faults = self._passed("faults") + self._passed("disconnects")
        if faults:
            servers = len(self.servers["faults"] | self.servers["disconnects"])
            parts.append(f"{faults} faults on {servers} real servers")
        failed = sum(c["failed"] + c["error"] for c in self.outcomes.values())
        verdict = "nothing lost" if failed == 0 else f"{failed} FAILED"
        return "dualweb hardening: " + ", ".join(parts) + f": {verdict}."

    def _passed(self, kind: str) -> int:
        return self.outcomes[kind]["passed"] if kind in self.outcomes else 0


def _kind(nodeid: str) -> str:
    path = nodeid.split("::")[0]
    return next((kind for kind, file in FILES.items() if file == path), "other")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", action="store_true", help="the full sizes too (minutes)")
    args = parser.parse_args(argv)
    files = [file for file in FILES.values() if (ROOT / file).exists()]
    options = ["-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT)]
    if args.long:
        options += ["-m", "long or not long"]
    tally = Tally()
    status = pytest.main([*options, *(str(ROOT / file) for file in files)], plugins=[tally])
    print(tally.line())
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
