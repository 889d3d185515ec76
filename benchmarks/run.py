"""Run the benchmarks: ``python -m benchmarks.run [--rounds R] [--smoke] [--cpus 0] [--out DIR]``.

Variants are measured in interleaved rounds (every variant once per round, in
a shuffled order), so that a noisy neighbour on a shared machine spreads over
all of them; medians, minima and maxima come from the rounds, and the ratios
that matter are computed inside the one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

from .apps import VARIANTS
from .inprocess import ENDPOINTS, driver_for

#: (variant, baseline, endpoints, required ratio) — the targets of the issues: each endpoint
#: of the variant against the same endpoint of the baseline.
TARGETS = [
    ("dualweb-fastapi-async", "fastapi-async", ["get_item", "post_item"], 3.0),
    ("dualweb-fastapi-sync", "fastapi-sync", ["get_item", "post_item"], 3.0),
    ("dualweb-starlette-async", "starlette-raw", ["get_item", "post_item"], 0.8),
    ("dualweb-starlette-async", "litestar", ["get_item", "post_item"], 1.0),
    ("dualweb-flask-sync", "flask-raw", ["get_item", "post_item"], 0.9),
    ("dualweb-flask-async", "flask-async-views", ["get_item", "post_item"], 3.0),
    # Issue 21: unannotated handlers, large responses, dependencies.
    ("dualweb-starlette-async", "starlette-raw", ["get_item_plain", "post_item_plain"], 0.8),
    ("dualweb-fastapi-async", "fastapi-async", ["deps"], 4.0),
    *(
        (variant, raw, ["big_1mb", "big_plain"], 0.9)
        for variant, raw in [
            ("dualweb-fastapi-async", "starlette-raw"),
            ("dualweb-starlette-async", "starlette-raw"),
            ("dualweb-flask-sync", "flask-raw"),
        ]
    ),
    *(
        (variant, "litestar", ["big_1mb", "big_plain"], 0.8)
        for variant in ("dualweb-fastapi-async", "dualweb-starlette-async", "dualweb-flask-sync")
    ),
    *(
        (variant, "fastapi-async", ["big_typed"], 2.0)
        for variant in ("dualweb-fastapi-async", "dualweb-starlette-async", "dualweb-flask-sync")
    ),
]

#: (variant, endpoint, baseline endpoint, required ratio): one endpoint of a variant against
#: another of the same variant (issue 21: a handler without a return annotation within 10% of
#: the same handler with one).
SAME_VARIANT_TARGETS = [
    (variant, plain, annotated, 0.9)
    for variant in (
        "dualweb-fastapi-async",
        "dualweb-fastapi-sync",
        "dualweb-starlette-async",
        "dualweb-starlette-sync",
        "dualweb-flask-sync",
        "dualweb-flask-async",
    )
    for plain, annotated in [
        ("get_item_plain", "get_item"),
        ("post_item_plain", "post_item"),
        ("big_plain", "big_1mb"),
    ]
]

PACKAGES = [
    "dualweb",
    "fastapi",
    "starlette",
    "flask",
    "werkzeug",
    "pydantic",
    "pydantic-core",
    "litestar",
    "anyio",
    "uvicorn",
    "granian",
    "gunicorn",
]


def measure(
    rounds: int, seconds: float, endpoints: list[str], variants: list[str]
) -> dict[str, Any]:
    warnings.simplefilter("ignore")
    drivers = {name: driver_for(*_build(name)) for name in variants}
    # Calibrate: how many requests take about `seconds` for each (variant, endpoint).
    sizes: dict[tuple[str, str], int] = {}
    for name, driver in drivers.items():
        for endpoint in endpoints:
            try:
                driver.run(endpoint, 20)  # warm up
            except RuntimeError as exc:
                raise RuntimeError(f"{name} {endpoint}: {exc}") from None
            rate = driver.run(endpoint, 50)
            sizes[name, endpoint] = max(5, int(rate * seconds))
    samples: dict[str, dict[str, list[float]]] = {n: {e: [] for e in endpoints} for n in variants}
    order = [(n, e) for n in variants for e in endpoints]
    for _ in range(rounds):
        random.shuffle(order)
        for name, endpoint in order:
            samples[name][endpoint].append(drivers[name].run(endpoint, sizes[name, endpoint]))
    for driver in drivers.values():
        driver.close()
    return samples


def _build(name: str) -> tuple[str, Any]:
    kind, factory = VARIANTS[name]
    return kind, factory()


def summarize(samples: dict[str, dict[str, list[float]]]) -> dict[str, Any]:
    table = {
        name: {
            endpoint: {
                "median": statistics.median(values),
                "min": min(values),
                "max": max(values),
                "rounds": len(values),
            }
            for endpoint, values in endpoints.items()
        }
        for name, endpoints in samples.items()
    }
    ratios = []
    for variant, baseline, endpoints, required in TARGETS:
        if variant not in table or baseline not in table:
            continue
        for endpoint in endpoints:
            if endpoint not in table[variant]:
                continue
            ratio = table[variant][endpoint]["median"] / table[baseline][endpoint]["median"]
            ratios.append(
                {
                    "variant": variant,
                    "baseline": baseline,
                    "endpoint": endpoint,
                    "ratio": ratio,
                    "required": required,
                    "met": ratio >= required,
                }
            )
    for variant, endpoint, baseline_endpoint, required in SAME_VARIANT_TARGETS:
        row = table.get(variant, {})
        if endpoint not in row or baseline_endpoint not in row:
            continue
        ratio = row[endpoint]["median"] / row[baseline_endpoint]["median"]
        ratios.append(
            {
                "variant": variant,
                "baseline": f"{variant} {baseline_endpoint}",
                "endpoint": endpoint,
                "ratio": ratio,
                "required": required,
                "met": ratio >= required,
            }
        )
    return {"table": table, "ratios": ratios}


def pin(cpus: str) -> None:
    """Keep this process, and the threads it starts, on ``cpus`` (like pyperf's ``--affinity``)."""
    chosen = {int(cpu) for cpu in cpus.split(",") if cpu.strip()}
    if not hasattr(os, "sched_setaffinity"):
        raise SystemExit("--cpus needs os.sched_setaffinity (Linux)")
    try:
        os.sched_setaffinity(0, chosen)
    except (OSError, ValueError) as exc:
        raise SystemExit(f"--cpus {cpus}: {exc}") from None


def environment() -> dict[str, Any]:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cpus_used": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "versions": versions,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def markdown(summary: dict[str, Any], endpoints: list[str]) -> str:
    lines = ["| variant | " + " | ".join(endpoints) + " |", "|---|" + "---:|" * len(endpoints)]
    for name, row in summary["table"].items():
        cells = [
            f"{row[e]['median']:,.0f} ({row[e]['min']:,.0f}-{row[e]['max']:,.0f})"
            for e in endpoints
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "| target | endpoint | ratio | required | met |", "|---|---|---:|---:|:---:|"]
    for r in summary["ratios"]:
        lines.append(
            f"| {r['variant']} / {r['baseline']} | {r['endpoint']} | {r['ratio']:.2f}x "
            f"| {r['required']:.1f}x | {'yes' if r['met'] else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def plot(summary: dict[str, Any], endpoints: list[str], path: Path) -> None:
    rows = {
        name: {e: (cells[e]["median"], cells[e]["min"], cells[e]["max"]) for e in endpoints}
        for name, cells in summary["table"].items()
    }
    bars(rows, endpoints, path)


def bars(
    rows: dict[str, dict[str, tuple[float, float, float]]], endpoints: list[str], path: Path
) -> None:
    """One panel of horizontal bars per endpoint: each row's median requests a second with
    its min-max, dualweb's rows green, the others grey, in the order of ``rows``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(rows)
    fig, axes = plt.subplots(
        1, len(endpoints), figsize=(4 * len(endpoints), 0.45 * len(names) + 1.5)
    )
    if len(endpoints) == 1:
        axes = [axes]
    for axis, endpoint in zip(axes, endpoints, strict=True):
        medians = [rows[n][endpoint][0] for n in names]
        low = [m - rows[n][endpoint][1] for n, m in zip(names, medians, strict=True)]
        high = [rows[n][endpoint][2] - m for n, m in zip(names, medians, strict=True)]
        colors = ["#2a7" if n.startswith("dualweb") else "#889" for n in names]
        axis.barh(names, medians, xerr=[low, high], color=colors)
        axis.set_title(endpoint)
        axis.set_xlabel("requests/s (median, min-max)")
        axis.invert_yaxis()
        if axis is not axes[0]:
            axis.set_yticklabels([])
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.5, help="time per measurement")
    parser.add_argument("--smoke", action="store_true", help="a tiny run that checks it all works")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS))
    parser.add_argument("--out", type=Path, default=None, help="directory for JSON, table and plot")
    parser.add_argument(
        "--cpus",
        default=None,
        help="run on these CPUs only, e.g. 0 (a comma-separated list; Linux): the thread-pool "
        "variants then pay for thread switches, not for waking an idle CPU",
    )
    args = parser.parse_args(argv)
    if args.cpus is not None:
        pin(args.cpus)
    variants = [v for v in args.variants.split(",") if v]
    endpoints = [e for e in args.endpoints.split(",") if e]
    rounds, seconds = (1, 0.02) if args.smoke else (args.rounds, args.seconds)
    samples = measure(rounds, seconds, endpoints, variants)
    summary = summarize(samples)
    result = {
        "environment": environment(),
        "rounds": rounds,
        "seconds": seconds,
        "samples": samples,
        **summary,
    }
    text = markdown(summary, endpoints)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "inprocess.json").write_text(json.dumps(result, indent=2))
        (args.out / "inprocess.md").write_text(text)
        plot(summary, endpoints, args.out / "inprocess.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
