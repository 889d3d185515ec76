"""``jsonable_encoder`` against FastAPI's, shape by shape: ``python -m benchmarks.encoders``.

Each shape of value a handler without a return annotation may return (a small dict, a list
of 12,000 small dicts, a list of models, with and without ``exclude_none``, of dataclasses,
a dict of the special types, of enums, a nested mix, a string) is encoded by dualweb's
encoder and by FastAPI's, in alternating rounds; each cell is the median time
of one call over the rounds, in microseconds, and the ratio is FastAPI's time over dualweb's
(above 1: dualweb's is faster). ``--json`` prints the rows as JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import decimal
import enum
import functools
import json
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from fastapi.encoders import jsonable_encoder as fastapi_encoder
from pydantic import BaseModel

from dualweb.encoders import jsonable_encoder as dualweb_encoder


class Item(BaseModel):
    id: int
    name: str
    price: float
    tags: list[str]


@dataclasses.dataclass
class Point:
    x: int
    y: float
    label: str | None = None


class Colour(enum.Enum):
    RED = "red"
    BLUE = 2


#: Shapes encoded with options: name -> the options.
OPTIONS = {"models_exclude_none": {"exclude_none": True}}


def shapes(size: int) -> dict[str, Any]:
    """The values encoded, by name; ``size`` is the length of the big list."""
    models = [Item(id=i, name=f"item {i}", price=1.5, tags=["a"]) for i in range(size // 12)]
    return {
        "small_dict": {"item_id": 3, "q": "abc", "limit": 10},
        "big_list": [
            {"id": i, "name": f"item {i}", "price": i * 1.5, "tags": ["a", "b"]}
            for i in range(size)
        ],
        "models": models,
        "models_exclude_none": models,
        "dataclasses": [Point(i, i / 2) for i in range(size // 12)],
        "enums": {f"colour {i}": list(Colour) for i in range(100)},
        "nested_mix": {
            "page": 1,
            "items": [{"id": i, "tags": ("a", "b"), "meta": {"ok": True}} for i in range(200)],
            "total": 200.0,
        },
        "special_types": {
            "when": datetime.datetime(2024, 1, 1, 12, 30),
            "day": datetime.date(2024, 1, 1),
            "id": uuid.UUID(int=7),
            "price": decimal.Decimal("1.50"),
            "took": datetime.timedelta(seconds=90),
            "seen": {1, 2, 3},
            "none": None,
        },
        "string": "hello",
    }


def per_call(encode: Callable[[Any], Any], value: Any, seconds: float) -> float:
    """Microseconds for one call of ``encode(value)``, over about ``seconds``."""
    calls = 0
    start = time.perf_counter()
    while True:
        encode(value)
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return elapsed / calls * 1e6


def measure(size: int, rounds: int, seconds: float) -> list[dict[str, Any]]:
    rows = []
    for name, value in shapes(size).items():
        options = OPTIONS.get(name, {})
        ours = functools.partial(dualweb_encoder, **options)
        theirs = functools.partial(fastapi_encoder, **options)
        assert ours(value) == theirs(value), name
        times: dict[str, list[float]] = {"dualweb": [], "fastapi": []}
        for number in range(rounds):
            order = [("dualweb", ours), ("fastapi", theirs)]
            for label, encode in order if number % 2 else reversed(order):
                times[label].append(per_call(encode, value, seconds))
        dualweb, fastapi = (statistics.median(times[k]) for k in ("dualweb", "fastapi"))
        rows.append(
            {
                "shape": name,
                "dualweb_us": round(dualweb, 2),
                "fastapi_us": round(fastapi, 2),
                "ratio": round(fastapi / dualweb, 2),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=12_000, help="the big list's length")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.3, help="per cell and round")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = measure(args.size, args.rounds, args.seconds)
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"{'shape':16} {'dualweb µs':>12} {'FastAPI µs':>12} {'FastAPI/dualweb':>16}")
    for row in rows:
        print(
            f"{row['shape']:16} {row['dualweb_us']:12,.2f} {row['fastapi_us']:12,.2f} "
            f"{row['ratio']:15.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
