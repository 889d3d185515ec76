"""The README's commands and the project's own checks (ruff, mypy strict)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: What ruff checks and formats.
LINTED = ["dualweb", "tests", "examples", "benchmarks", "docs_src"]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(.+?)\n```", text)


def test_readme_gives_two_commands_and_ci_runs_the_test_one():
    commands = readme_commands()
    assert len(commands) == 2
    run_example, run_tests = commands
    assert "dualweb serve" in run_example and "--app-dir examples" in run_example
    assert "pytest" in run_tests
    assert run_tests in (ROOT / ".ci" / "run").read_text().splitlines()


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *LINTED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_the_code_as_it_is():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", *LINTED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


# A stand-in for .venv/bin/python: says its version, and records what pip was asked.
FAKE_PYTHON = """#!/bin/sh
if [ "$1" = "-V" ]; then echo "Python 3.99.0"; exit 0; fi
echo "$*" >> "$(dirname "$0")/../calls"
"""


def run_setup(clone: Path) -> tuple[str, list[str]]:
    """Run scripts/setup (the serving set-up) in ``clone``; its output and the pip calls."""
    result = subprocess.run(
        ["bash", "scripts/setup"], cwd=clone, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    calls = clone / ".venv" / "calls"
    made = calls.read_text().splitlines() if calls.exists() else []
    calls.unlink(missing_ok=True)
    return result.stderr, made


def test_setup_says_what_it_does_and_installs_only_what_changed(tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "setup").write_text((ROOT / "scripts" / "setup").read_text())
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)

    install = (
        "-m pip install --disable-pip-version-check -e .[flask,fastapi,starlette,testing,serve]"
    )
    said, calls = run_setup(tmp_path)
    assert calls == [install]
    assert "installing dualweb (editable) with [flask,fastapi,starlette,testing,serve]" in said
    # An existing environment is reused: nothing changed, nothing installed.
    said, calls = run_setup(tmp_path)
    assert calls == []
    assert "up to date: nothing to install" in said
    # A changed pyproject.toml installs again.
    with (tmp_path / "pyproject.toml").open("a") as project:
        project.write("\n# changed\n")
    assert run_setup(tmp_path)[1] == [install]
    # The dev set-up (scripts/setup --system) covers the serving one.
    serve, dev = tmp_path / ".venv" / ".setup-serve", tmp_path / ".venv" / ".setup-dev"
    dev.write_text(serve.read_text())
    serve.unlink()
    assert run_setup(tmp_path)[1] == []
