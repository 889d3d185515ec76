"""The ``dualweb`` command, run as a subprocess (``python -m dualweb`` and the installed script).

``serve`` is started for real on a free port of 127.0.0.1, asked for something,
then stopped: SIGTERM to its process group (the command starts workers and
reloaders), SIGKILL after a bounded wait.
"""

import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import pytest

from tests._servers import free_port, stop_process_group

TESTS = Path(__file__).resolve().parent
FRAMEWORKS = ("flask", "werkzeug", "starlette", "fastapi", "a2wsgi", "anyio", "httpx", "httpx2")
SERVER_MODULES = ("uvicorn", "gunicorn")
READY_TIMEOUT = 60.0


def _script() -> str:
    found = Path(sys.executable).parent / "dualweb"
    if found.exists():
        return str(found)
    which = shutil.which("dualweb")
    assert which, "the dualweb console script is not installed (pip install -e .)"
    return which


def command(invocation: str = "module") -> list:
    return [_script()] if invocation == "script" else [sys.executable, "-m", "dualweb"]


def run(*args: str, invocation: str = "module", cwd: Path = TESTS, timeout: float = 120):
    return subprocess.run(
        [*command(invocation), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


BLOCKER = """
import sys
BLOCKED = {blocked!r}

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked)", name=name)
        return None

sys.meta_path.insert(0, Blocker())
"""


def blocked_command(blocked: tuple) -> list:
    """``python -m dualweb`` in an interpreter where importing ``blocked`` fails."""
    code = BLOCKER.format(blocked=blocked) + textwrap.dedent(
        """
        from dualweb.cli import main
        sys.argv[0] = "dualweb"
        raise SystemExit(main(sys.argv[1:]))
        """
    )
    return [sys.executable, "-c", code]


def run_blocked(blocked: tuple, *args: str):
    return subprocess.run(
        [*blocked_command(blocked), *args], cwd=TESTS, capture_output=True, text=True, timeout=120
    )


# --- routes ------------------------------------------------------------------

TABLE = """\
METHODS   PATH          HANDLER                 NAME
GET       /ping         cli_app.ping            ping
POST      /items        cli_app.create          create_item
GET,POST  /both         cli_app.both            both
GET       /admin/stats  cli_app.Handlers.stats  stats
"""

ROWS = [
    {"methods": ["GET"], "path": "/ping", "handler": "cli_app.ping", "name": "ping"},
    {"methods": ["POST"], "path": "/items", "handler": "cli_app.create", "name": "create_item"},
    {"methods": ["GET", "POST"], "path": "/both", "handler": "cli_app.both", "name": "both"},
    {
        "methods": ["GET"],
        "path": "/admin/stats",
        "handler": "cli_app.Handlers.stats",
        "name": "stats",
    },
]


@pytest.mark.parametrize("invocation", ["module", "script"])
def test_routes_prints_a_table_in_declaration_order(invocation):
    result = run("routes", "cli_app:router", invocation=invocation)
    assert result.returncode == 0, result.stderr
    assert result.stdout == TABLE
    assert result.stderr == ""


@pytest.mark.parametrize("invocation", ["module", "script"])
def test_routes_json(invocation):
    result = run("routes", "cli_app:router", "--json", invocation=invocation)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ROWS


def test_a_dotted_attribute_path_and_a_factory_name_a_router():
    dotted = run("routes", "cli_app:Namespace.api", "--json")
    assert json.loads(dotted.stdout) == ROWS
    made = run("routes", "cli_app:make_router", "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout) == [
        {
            "methods": ["GET"],
            "path": "/made",
            "handler": "cli_app.make_router.<locals>.made_here",
            "name": "made_here",
        }
    ]


@pytest.mark.parametrize("invocation", ["module", "script"])
def test_the_module_is_found_from_the_current_directory_or_app_dir(invocation, tmp_path):
    (tmp_path / "here_app.py").write_text(
        "from dualweb import Router\nrouter = Router()\n"
        "@router.delete('/things/{thing_id}')\ndef drop(thing_id: int): ...\n"
    )
    here = run("routes", "here_app:router", "--json", invocation=invocation, cwd=tmp_path)
    assert here.returncode == 0, here.stderr
    assert json.loads(here.stdout)[0]["path"] == "/things/{thing_id}"
    # From elsewhere, the module is not found until --app-dir names its directory.
    elsewhere = run("routes", "here_app:router", invocation=invocation, cwd=TESTS)
    assert elsewhere.returncode == 2
    with_dir = run(
        "routes", "here_app:router", "--app-dir", str(tmp_path), invocation=invocation, cwd=TESTS
    )
    assert with_dir.returncode == 0, with_dir.stderr
    assert "DELETE" in with_dir.stdout and "here_app.drop" in with_dir.stdout


# --- openapi -----------------------------------------------------------------


def expected_document(**options):
    import cli_app

    from dualweb.openapi import openapi_for

    return openapi_for(cli_app.router, **options)


@pytest.mark.parametrize("invocation", ["module", "script"])
def test_openapi_writes_the_document_to_stdout(invocation):
    result = run("openapi", "cli_app:router", invocation=invocation)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document == expected_document()
    assert document["info"] == {"title": "FastAPI", "version": "0.1.0"}
    assert list(document["paths"]) == ["/ping", "/items", "/admin/stats"]  # /both is hidden
    assert "Item" in document["components"]["schemas"]


def test_openapi_writes_a_file_with_title_and_version(tmp_path):
    out = tmp_path / "openapi.json"
    result = run("openapi", "cli_app:router", "-o", str(out), "--title", "Shop", "--version", "2.1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "3 paths" in result.stderr and str(out) in result.stderr
    document = json.loads(out.read_text())
    assert document["info"] == {"title": "Shop", "version": "2.1"}
    assert document == expected_document(title="Shop", version="2.1")


def test_openapi_to_an_unwritable_file_is_a_clear_error(tmp_path):
    result = run("openapi", "cli_app:router", "-o", str(tmp_path / "missing" / "openapi.json"))
    assert result.returncode == 2
    assert "dualweb: error: cannot write" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [("routes", "--json"), ("routes",), ("openapi",)])
def test_a_reader_that_stops_reading_gets_no_traceback(args):
    # ``dualweb routes APP --json | head -c 1``: the pipe is closed before the command writes.
    process = subprocess.Popen(
        [*command(), args[0], "cli_app:router", *args[1:]],
        cwd=TESTS,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()
    try:
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=60) == 1
    finally:
        process.kill()
        process.stderr.close()
    assert stderr == ""


# --- the core alone ----------------------------------------------------------


def test_routes_and_openapi_need_no_web_framework():
    blocked = FRAMEWORKS + SERVER_MODULES
    routes = run_blocked(blocked, "routes", "cli_app:router")
    assert routes.returncode == 0, routes.stderr
    assert routes.stdout == TABLE
    document = run_blocked(blocked, "openapi", "cli_app:router")
    assert document.returncode == 0, document.stderr
    assert json.loads(document.stdout) == expected_document()


def test_importing_the_cli_loads_no_web_framework():
    code = BLOCKER.format(blocked=FRAMEWORKS + SERVER_MODULES) + textwrap.dedent(
        """
        import dualweb.cli, dualweb.__main__
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
        assert not loaded, loaded
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- a bad APP ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("app", "message"),
    [
        ("no_such_module:router", "could not import module 'no_such_module'"),
        ("cli_app", "APP must be given as 'module:attribute'"),
        ("cli_app:", "APP must be given as 'module:attribute'"),
        ("cli_app:nope", "'cli_app' has no attribute 'nope'"),
        ("cli_app:Namespace.nope", "'cli_app:Namespace' has no attribute 'nope'"),
        ("cli_app:not_a_router", "is an object of type int (42), not a dualweb.Router"),
        ("cli_app:Item", "is the class cli_app.Item, not a dualweb.Router"),
        ("cli_app:not_a_router_factory", "a factory that returned an object of type str"),
    ],
)
@pytest.mark.parametrize("subcommand", ["routes", "openapi", "serve"])
def test_a_bad_app_is_a_clear_error(subcommand, app, message):
    extra = ["--target", "starlette", "--port", str(free_port())] if subcommand == "serve" else []
    result = run(subcommand, app, *extra)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("dualweb: error: "), result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_module_whose_own_import_fails_names_the_missing_module(tmp_path):
    (tmp_path / "needs_more.py").write_text("import flask\nimport not_installed_anywhere\n")
    result = run("routes", "needs_more:router", cwd=tmp_path)
    assert result.returncode == 2
    assert "could not import module 'needs_more'" in result.stderr
    assert "not_installed_anywhere" in result.stderr
    assert "Traceback" not in result.stderr
    # A framework the module needs is named with its extra.
    blocked = subprocess.run(
        [*blocked_command(("flask",)), "routes", "needs_more:router"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert blocked.returncode == 2
    assert "No module named 'flask'" in blocked.stderr
    assert "pip install 'dualweb[flask]'" in blocked.stderr


def test_an_exception_in_the_users_code_shows_its_traceback():
    result = run("routes", "cli_app:broken_factory")
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "RuntimeError: the factory broke" in result.stderr
    assert result.stderr.rstrip().endswith(
        "dualweb: error: loading 'cli_app:broken_factory' raised RuntimeError: the factory broke"
    )


def test_usage_errors_exit_2():
    assert run().returncode == 2
    unknown = run("serve", "cli_app:router", "--target", "bottle")
    assert unknown.returncode == 2
    assert "invalid choice: 'bottle'" in unknown.stderr
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("dualweb ")


# --- serve: errors before any server starts ------------------------------------


@pytest.mark.parametrize(
    ("target", "blocked", "message"),
    [
        ("fastapi", ("fastapi",), "pip install 'dualweb[fastapi]'"),
        ("starlette", ("starlette",), "pip install 'dualweb[starlette]'"),
        ("flask", ("flask",), "pip install 'dualweb[flask]'"),
        ("flask", ("werkzeug",), "pip install 'dualweb[flask]'"),
        ("fastapi", ("uvicorn",), "needs 'uvicorn'"),
    ],
)
def test_serve_names_the_missing_extra(target, blocked, message):
    result = run_blocked(blocked, "serve", "cli_app:router", "--target", target)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("dualweb: error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_with_gunicorn_asked_for_but_missing():
    result = run_blocked(
        ("gunicorn",), "serve", "cli_app:router", "--target", "flask", "--server", "gunicorn"
    )
    assert result.returncode == 2
    assert "needs 'gunicorn'" in result.stderr and "pip install gunicorn" in result.stderr


def test_serve_on_a_port_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for target in ("flask", "fastapi"):
            result = run("serve", "cli_app:router", "--target", target, "--port", str(port))
            assert result.returncode == 2, result.stderr
            assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
            assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "flask", "--server", "uvicorn"], "unknown --server 'uvicorn' for --target"),
        (["--target", "fastapi", "--server", "gunicorn"], "choose uvicorn"),
        (["--target", "flask", "--server", "waitress"], "choose gunicorn or werkzeug"),
        (["--target", "flask", "--server", "werkzeug", "--workers", "2"], "--workers needs"),
        (["--target", "fastapi", "--workers", "0"], "--workers must be at least 1"),
        (["--target", "flask", "--host", "no-such-host.invalid"], "cannot resolve --host"),
    ],
)
def test_serve_option_errors(args, message):
    result = run("serve", "cli_app:router", *args, "--port", str(free_port()))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# --- serve: real servers -------------------------------------------------------

posix_only = pytest.mark.skipif(os.name != "posix", reason="process groups and gunicorn")


class Server:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path) -> None:
        self.proc = proc
        self.port = port
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def request(self, method: str, path: str, body: Optional[dict] = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            payload = json.dumps(body) if body is not None else None
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"null")
        finally:
            conn.close()

    def wait_for(self, predicate, what: str, timeout: float = READY_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited ({self.proc.returncode}):\n{self.output()}")
            try:
                found = predicate()
            except (OSError, http.client.HTTPException):
                # (A reloader may stop the old process halfway through an answer.)
                found = None
            if found:
                return found
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}:\n{self.output()}")
            time.sleep(0.1)


@contextlib.contextmanager
def serving(
    *args: str, tmp_path: Path, cmd: Optional[list] = None, cwd: Path = TESTS
) -> Iterator[Server]:
    port = free_port()
    log = tmp_path / f"server-{port}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [*(cmd or command()), "serve", *args, "--port", str(port)],
            cwd=cwd,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Server(proc, port, log)
    try:
        server.wait_for(lambda: server.request("GET", "/ping")[0] == 200, "the server")
        yield server
    finally:
        stop_process_group(proc)


SERVES = {
    "fastapi-uvicorn": (["--target", "fastapi"], "uvicorn", "module"),
    "starlette-uvicorn": (["--target", "starlette"], "uvicorn", "script"),
    "flask-gunicorn-default": (["--target", "flask"], "gunicorn", "script"),
    "flask-gunicorn": (["--target", "flask", "--server", "gunicorn"], "gunicorn", "module"),
    "flask-werkzeug": (["--target", "flask", "--server", "werkzeug"], "werkzeug", "module"),
}


@posix_only
@pytest.mark.parametrize("case", list(SERVES))
def test_serve_runs_the_router_on_a_real_server(case, tmp_path):
    args, server_name, invocation = SERVES[case]
    with serving("cli_app:router", *args, tmp_path=tmp_path, cmd=command(invocation)) as server:
        status, body = server.request("GET", "/ping")
        assert status == 200 and body["ok"] is True
        assert body["pid"] != server.proc.pid or server_name != "gunicorn"
        status, body = server.request("POST", "/items", {"name": "pen", "price": 1.5})
        assert (status, body) == (201, {"name": "pen", "price": 1.5})
        status, body = server.request("POST", "/items", {"name": "pen"})
        assert status == 422 and body["detail"][0]["loc"] == ["body", "price"]
        status, _ = server.request("GET", "/admin/stats")
        assert status == 200
        output = server.output()
        target = args[1]
        assert f"on {target} with {server_name} at http://127.0.0.1:{server.port}" in output
        if server_name == "gunicorn":
            assert "gthread" in output
        if server_name == "uvicorn":
            assert "Uvicorn running" in output
    assert server.proc.returncode is not None


DOCS_SERVES = {
    "fastapi-uvicorn": ["--target", "fastapi"],
    "starlette-uvicorn": ["--target", "starlette"],
    "flask-gunicorn": ["--target", "flask", "--server", "gunicorn"],
    "flask-werkzeug": ["--target", "flask", "--server", "werkzeug"],
}


@posix_only
@pytest.mark.parametrize("case", list(DOCS_SERVES))
@pytest.mark.parametrize("assets", ["default", "--cdn-docs"])
def test_serve_titles_the_document_and_serves_the_docs_assets(case, assets, tmp_path):
    args = [*DOCS_SERVES[case], "--title", "Shop API", "--version", "2.1"]
    if assets != "default":
        args.append(assets)
    with serving("cli_app:router", *args, tmp_path=tmp_path) as server:
        status, document = server.request("GET", "/openapi.json")
        assert status == 200
        assert document["info"] == {"title": "Shop API", "version": "2.1"}
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request("GET", "/docs")
            page = conn.getresponse().read().decode()
            conn.request("GET", "/docs-assets/swagger-ui-bundle.js")
            response = conn.getresponse()
            asset_status = response.status
            response.read()
        finally:
            conn.close()
    assert "<title>Shop API - Swagger UI</title>" in page
    if assets == "default":
        assert '<script src="/docs-assets/swagger-ui-bundle.js">' in page
        assert asset_status == 200
    else:
        assert "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js" in page
        assert asset_status == 404


def test_serve_offline_and_cdn_docs_exclude_each_other():
    result = run("serve", "cli_app:router", "--target", "flask", "--offline-docs", "--cdn-docs")
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


@posix_only
def test_serve_falls_back_to_werkzeug_without_gunicorn(tmp_path):
    cmd = blocked_command(("gunicorn",))
    with serving("cli_app:router", "--target", "flask", tmp_path=tmp_path, cmd=cmd) as server:
        assert server.request("GET", "/ping")[0] == 200
        output = server.output()
        assert "gunicorn is not installed" in output
        assert "with werkzeug" in output


WORKER_PATTERNS = {
    "fastapi": re.compile(r"Started server process \[(\d+)\]"),
    "flask": re.compile(r"Booting worker with pid: (\d+)"),
}


@posix_only
@pytest.mark.parametrize("target", ["fastapi", "flask"], ids=["uvicorn", "gunicorn"])
def test_serve_with_two_workers(target, tmp_path):
    pattern = WORKER_PATTERNS[target]
    with serving("cli_app:router", "--target", target, "--workers", "2", tmp_path=tmp_path) as s:

        def two_workers():
            found = set(map(int, pattern.findall(s.output())))
            return found if len(found) >= 2 else None

        workers = s.wait_for(two_workers, "two workers")
        assert len(workers) == 2 and s.proc.pid not in workers
        answered = {s.request("GET", "/ping")[1]["pid"] for _ in range(20)}
        assert answered <= workers


RELOADED_APP = """
from dualweb import Router

router = Router()


@router.get("/ping")
def ping() -> dict:
    return {"version": VERSION}
"""


@posix_only
@pytest.mark.parametrize(
    "args",
    [
        ["--target", "starlette"],
        ["--target", "flask"],
        ["--target", "flask", "--server", "werkzeug"],
    ],
    ids=["uvicorn", "gunicorn", "werkzeug"],
)
def test_serve_reload_picks_up_a_changed_module(args, tmp_path):
    app_dir = tmp_path / "src"
    app_dir.mkdir()
    module = app_dir / "reloaded_app.py"
    module.write_text(RELOADED_APP.replace("VERSION", "1"))
    with serving(
        "reloaded_app:router", *args, "--reload", "--app-dir", str(app_dir), tmp_path=tmp_path
    ) as server:
        assert server.request("GET", "/ping") == (200, {"version": 1})
        time.sleep(1.1)  # a new modification time, for the stat-based reloaders
        module.write_text(RELOADED_APP.replace("VERSION", "2"))
        server.wait_for(
            lambda: server.request("GET", "/ping") == (200, {"version": 2}), "the reload"
        )


# --- docs/cli.md ---------------------------------------------------------------

ROOT = TESTS.parent
DOCS = (ROOT / "docs" / "cli.md").read_text()


def doc_command(prefix: str) -> list:
    import shlex

    commands = [c for c in re.findall(r"```sh\n(.+?)\n```", DOCS) if c.startswith(prefix)]
    assert len(commands) == 1, commands
    return shlex.split(commands[0])[1:]


def test_docs_routes_command_prints_the_table_shown():
    shown = re.search(r"```\n(METHODS.+?)```", DOCS, re.S).group(1)
    result = run(*doc_command("dualweb routes"), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == shown


def test_docs_openapi_command_writes_the_document(tmp_path):
    args = doc_command("dualweb openapi")
    args[args.index("-o") + 1] = str(tmp_path / "openapi.json")
    result = run(*args, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "openapi.json").read_text())
    assert document["info"] == {"title": "Example API", "version": "1.0.0"}
    assert "/items/{item_id}" in document["paths"]


@posix_only
def test_docs_serve_command_serves_the_example(tmp_path):
    args = doc_command("dualweb serve")
    del args[args.index("--port") : args.index("--port") + 2]
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [*command(), *args, "--port", str(port)],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(proc, port, log)
    try:
        status, items = server.wait_for(lambda: server.request("GET", "/items"), "the example")
        assert status == 200 and isinstance(items, list)
    finally:
        stop_process_group(proc)
