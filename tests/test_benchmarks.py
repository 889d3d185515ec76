"""The benchmark harnesses keep working (a smoke run; no timing is asserted)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def need_wrk() -> None:
    if shutil.which("wrk") is None:
        pytest.fail(
            "wrk is missing: the real-server benchmarks use Debian's wrk (scripts/setup --system)"
        )


def test_in_process_harness_smoke(tmp_path):
    result = run("benchmarks.run", "--smoke", "--out", str(tmp_path), timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((tmp_path / "inprocess.json").read_text())
    assert set(data["table"]) >= {"dualweb-fastapi-async", "fastapi-async", "flask-raw", "litestar"}
    assert all(cell["median"] > 0 for row in data["table"].values() for cell in row.values())
    assert (tmp_path / "inprocess.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| target |" in (tmp_path / "inprocess.md").read_text()


def test_in_process_harness_runs_on_chosen_cpus(tmp_path):
    result = run(
        "benchmarks.run",
        "--smoke",
        "--cpus",
        "0",
        "--variants",
        "dualweb-fastapi-sync,fastapi-sync",
        "--endpoints",
        "get_item",
        "--out",
        str(tmp_path),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((tmp_path / "inprocess.json").read_text())
    assert data["environment"]["cpus_used"] == [0]
    assert set(data["table"]) == {"dualweb-fastapi-sync", "fastapi-sync"}


def test_in_process_harness_refuses_a_cpu_it_cannot_use(tmp_path):
    result = run("benchmarks.run", "--smoke", "--cpus", "4096", timeout=60)
    assert result.returncode != 0
    assert "--cpus 4096" in result.stderr


def test_wakeup_probe_smoke():
    result = run("benchmarks.wakeups", "--trials", "2", "--exchanges", "50", "--json", timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout)
    assert len(figures["free"]) == 2
    assert len(figures.get("one_cpu", [0, 0])) == 2
    assert all(value > 0 for values in figures.values() for value in values)


def test_real_server_harness_smoke(tmp_path):
    need_wrk()
    result = run(
        "benchmarks.servers",
        "--smoke",
        "--variants",
        "dualweb-fastapi-async,dualweb-flask-sync,flask-raw",
        "--servers",
        "uvicorn,gunicorn-gthread,granian-asgi,granian-wsgi",
        "--endpoints",
        "ping,post_item",
        "--out",
        str(tmp_path),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((tmp_path / "servers.json").read_text())
    table = data["table"]
    assert set(table) == {
        "dualweb-fastapi-async @ uvicorn",
        "dualweb-fastapi-async @ granian-asgi",
        "dualweb-flask-sync @ gunicorn-gthread",
        "dualweb-flask-sync @ granian-wsgi",
        "flask-raw @ gunicorn-gthread",
        "flask-raw @ granian-wsgi",
    }
    for row in table.values():
        for cell in row.values():
            assert cell["rps_median"] > 0
            assert cell["non_2xx"] == 0
            assert cell["socket_errors"] == 0
    # dualweb on Flask against the Flask view on the same server, round by round.
    assert set(data["ratios"]) == {
        "dualweb-flask-sync @ gunicorn-gthread",
        "dualweb-flask-sync @ granian-wsgi",
    }
    ratio = data["ratios"]["dualweb-flask-sync @ granian-wsgi"]
    assert ratio["native"] == "flask-raw @ granian-wsgi"
    assert ratio["post_item"]["median"] > 0
    assert (tmp_path / "servers.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_real_server_harness_runs_the_seed_claim_comparison():
    # docs/performance.md opens with it: the same handler source on Flask and on FastAPI
    # under their servers, beside native Flask and native FastAPI on the same servers.
    result = run("benchmarks.servers", "--seed-claim", "--dry-run", timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    plan = json.loads(result.stdout)
    assert plan["endpoints"] == ["get_item", "post_item", "deps"]
    expected = {
        f"{variant} @ {server}"
        for variants, servers in [
            (
                ["flask-raw", "dualweb-flask-sync", "dualweb-flask-async"],
                ["gunicorn-sync", "gunicorn-gthread", "granian-wsgi"],
            ),
            (
                ["fastapi-async", "fastapi-sync", "dualweb-fastapi-async", "dualweb-fastapi-sync"],
                ["uvicorn", "granian-asgi"],
            ),
        ]
        for variant in variants
        for server in servers
    }
    assert set(plan["configs"]) == expected


def test_route_table_benchmark_smoke():
    result = run("benchmarks.routes", "--routes", "30", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout)
    assert data["routes"] == 30
    for host in ("flask", "fastapi", "starlette"):
        assert data[f"mount_{host}_seconds"] > 0
        assert data[f"bytes_per_route_mounted_{host}"] > 0
        assert data[f"request_first_route_{host}_us"] > 0
        assert data[f"request_last_route_{host}_us"] > 0


def test_lifespan_loop_probe_smoke():
    result = run("benchmarks.lifespan_loop", "--rounds", "1", "--requests", "20", timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["GET /async", "GET /sync"]
    assert all("with lifespan" in line for line in lines)


def test_encoder_benchmark_smoke():
    result = run(
        "benchmarks.encoders",
        "--size",
        "120",
        "--rounds",
        "1",
        "--seconds",
        "0.01",
        "--json",
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["shape"] for row in rows] == [
        "small_dict",
        "big_list",
        "models",
        "models_exclude_none",
        "dataclasses",
        "enums",
        "nested_mix",
        "special_types",
        "string",
    ]
    assert all(row["dualweb_us"] > 0 and row["fastapi_us"] > 0 for row in rows)


def test_memory_harness_smoke(tmp_path):
    need_wrk()
    result = run(
        "benchmarks.memory",
        "--smoke",
        "--variants",
        "dualweb-starlette-async,flask-raw",
        "--endpoints",
        "ping,post_item,invalid_422",
        "--mix",
        "ping,post_item,invalid_422",
        "--out",
        str(tmp_path),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads((tmp_path / "memory.json").read_text())["rows"]
    traced = {(row["variant"], row["endpoint"]) for row in rows if row["part"] == "inprocess"}
    assert traced == {
        (variant, endpoint)
        for variant in ("dualweb-starlette-async", "flask-raw")
        for endpoint in ("ping", "post_item", "invalid_422")
    }
    served = {row["variant"]: row for row in rows if row["part"] == "server"}
    assert served["dualweb-starlette-async"]["server"] == "uvicorn"
    assert served["flask-raw"]["server"] == "gunicorn-gthread"
    for row in served.values():
        assert row["env"] == {"MALLOC_ARENA_MAX": "2"}
        assert len(row["per_round"]["rss_mb"]) == row["rounds"] + 1
    table = (tmp_path / "memory.md").read_text()
    assert "| dualweb-starlette-async | uvicorn |" in table
    assert "| flask-raw |" in table


def test_memory_harness_sees_what_a_request_keeps(monkeypatch):
    # What the in-process measure is for: an app that keeps something of each request shows.
    from benchmarks import memory

    kept = []

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        kept.append(dict(scope))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    monkeypatch.setitem(memory.VARIANTS, "keeper", ("asgi", lambda: app))
    (row,) = memory.traced("keeper", ["ping"], requests=50, warmup=5)
    assert len(kept) == 105
    assert row["requests"] == 100
    assert row["growth_bytes_per_request"] > 200  # a dict of a dozen keys, and its values
