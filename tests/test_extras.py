"""Importing a host module without its framework names the extra that brings it."""

import subprocess
import sys

import pytest

# (dualweb module, a package it needs, what the error must say to install)
CASES = [
    ("dualweb.flask", "flask", "Flask", "dualweb[flask]"),
    ("dualweb.flask", "werkzeug", "Werkzeug", "dualweb[flask]"),
    ("dualweb.flask", "simple_websocket", "simple-websocket", "dualweb[flask]"),
    ("dualweb.fastapi", "fastapi", "FastAPI", "dualweb[fastapi]"),
    ("dualweb.fastapi", "starlette", "Starlette", "dualweb[fastapi]"),
    ("dualweb.starlette", "starlette", "Starlette", "dualweb[starlette]"),
    ("dualweb.testing", "httpx2", "httpx2", "dualweb[testing]"),
    ("dualweb.bridge", "a2wsgi", "a2wsgi", "dualweb[bridge]"),
]

# Imports ``module`` in a fresh interpreter where ``missing`` cannot be imported (a None
# in sys.modules is what an uninstalled package looks like to the import system's finders).
PROBE = """
import sys
sys.modules[{missing!r}] = None
try:
    import {module}
except ModuleNotFoundError as exc:
    print(exc.name, "|", exc)
else:
    print("imported")
"""


@pytest.mark.parametrize(("module", "missing", "package", "extra"), CASES)
def test_a_missing_framework_is_named_with_its_extra(module, missing, package, extra):
    probe = PROBE.format(module=module, missing=missing)
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    name, _, message = result.stdout.strip().partition(" | ")
    assert name == missing, result.stdout
    assert message == (
        f"{module} needs {package}, which is not installed here: pip install '{extra}'"
    )


def test_the_core_imports_without_any_framework():
    blocked = ["flask", "werkzeug", "fastapi", "starlette", "httpx2", "a2wsgi", "anyio"]
    probe = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None\n"
        "import dualweb, dualweb.openapi, dualweb.cli\n"
        "print(dualweb.Router().get('/')(lambda: {}).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "<lambda>"
