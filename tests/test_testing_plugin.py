"""dualweb.testing and the pytest plugin: a user's own tests run once per installed host.

The plugin tests run a user's test module in a fresh pytest session (pytester),
with the plugin loaded the way users get it: by its ``pytest11`` entry point.
"""

import contextlib
import importlib
import re
import sys
from pathlib import Path

import pytest

import dualweb
from dualweb import HTTPException, Request, Router
from dualweb.responses import RedirectResponse
from dualweb.testing import HOSTS, TestClient, client_for_app, installed_hosts

pytest_plugins = ["pytester"]

USER_CONFTEST = """
import pytest
from dualweb import Router

@pytest.fixture
def dualweb_router():
    router = Router()

    @router.get("/items/{item_id}")
    def read_item(item_id: int) -> dict:
        return {"item_id": item_id}

    return router
"""

USER_TESTS = """
def test_read_item(dualweb_client, dualweb_host):
    response = dualweb_client.get("/items/3")
    assert response.json() == {"item_id": 3}
    assert dualweb_client.target == dualweb_host
    print("RAN-ON", dualweb_host)

def test_bad_item(dualweb_client):
    assert dualweb_client.get("/items/x").status_code == 422

def test_plain():
    pass
"""


@pytest.fixture
def user_project(pytester):
    pytester.makeconftest(USER_CONFTEST)
    pytester.makepyfile(test_user=USER_TESTS)
    return pytester


def ran_on(result):
    return sorted(re.findall(r"RAN-ON (\w+)", result.stdout.str()))


def test_a_users_test_runs_once_per_host_with_readable_ids(user_project):
    result = user_project.runpytest("-v", "-s")
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(
        [
            "test_user.py::test_read_item[[]flask[]] *",
            "test_user.py::test_read_item[[]fastapi[]] *",
            "test_user.py::test_read_item[[]starlette[]] *",
            "test_user.py::test_bad_item[[]flask[]] PASSED*",
            "test_user.py::test_plain PASSED*",
        ]
    )
    assert ran_on(result) == ["fastapi", "flask", "starlette"]
    result.stdout.fnmatch_lines(["dualweb hosts: flask, fastapi, starlette"])


def test_the_plugin_is_registered_by_its_entry_point(user_project):
    result = user_project.runpytest("-p", "no:dualweb")
    result.stdout.fnmatch_lines(["*fixture 'dualweb_client' not found*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_failure_on_one_host_names_that_host(pytester):
    pytester.makepyfile(
        """
        from dualweb import Router

        def test_host_specific(dualweb_client_factory, dualweb_host):
            router = Router()

            @router.get("/")
            def index() -> dict:
                return {"ok": True}

            client = dualweb_client_factory(router, prefix="/api")
            assert client.get("/api/").json() == {"ok": True}
            assert dualweb_host != "starlette"
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["FAILED *::test_host_specific[[]starlette[]]*"])


@pytest.mark.parametrize(
    "option", ["--dualweb-hosts=flask,starlette", "--dualweb-hosts=starlette flask"]
)
def test_the_hosts_option_restricts_the_hosts(user_project, option):
    result = user_project.runpytest("-s", option)
    result.assert_outcomes(passed=5)
    assert ran_on(result) == ["flask", "starlette"]
    result.stdout.fnmatch_lines(["dualweb hosts: flask, starlette"])


def test_the_ini_option_restricts_the_hosts_and_the_command_line_wins(user_project):
    user_project.makeini("[pytest]\ndualweb_hosts = fastapi\n")
    result = user_project.runpytest("-s")
    result.assert_outcomes(passed=3)
    assert ran_on(result) == ["fastapi"]
    result = user_project.runpytest("-s", "--dualweb-hosts=flask")
    assert ran_on(result) == ["flask"]


def test_an_unknown_host_is_a_usage_error(user_project):
    result = user_project.runpytest("--dualweb-hosts=flask,django")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown dualweb host 'django'*flask, fastapi, starlette*"])


def test_the_mark_restricts_one_test(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.dualweb_hosts("fastapi", "starlette")
        def test_asgi_only(dualweb_host):
            assert dualweb_host in ("fastapi", "starlette")

        def test_everywhere(dualweb_host):
            pass
        """
    )
    result = pytester.runpytest("-v", "--strict-markers")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        ["*test_asgi_only[[]fastapi[]]*", "*test_asgi_only[[]starlette[]]*"]
    )
    result.stdout.no_fnmatch_line("*test_asgi_only[[]flask[]]*")


def test_a_test_that_parametrizes_the_host_itself_keeps_its_own(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def host(dualweb_host):
            return dualweb_host

        @pytest.mark.parametrize("host", ["starlette"])
        def test_overridden(host):
            assert host == "starlette"

        @pytest.mark.parametrize("dualweb_host", ["flask"])
        def test_direct(dualweb_host):
            assert dualweb_host == "flask"
        """
    )
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=2)


def test_a_host_whose_framework_is_missing_is_not_offered(user_project, monkeypatch):
    # Block FastAPI's import, as in an environment with dualweb[flask] and Starlette only.
    monkeypatch.setitem(sys.modules, "fastapi", None)
    assert installed_hosts() == ("flask", "starlette")
    result = user_project.runpytest("-s", "-v")
    result.assert_outcomes(passed=5)
    assert ran_on(result) == ["flask", "starlette"]
    result.stdout.fnmatch_lines(["dualweb hosts: flask, starlette (not installed: fastapi)"])
    result.stdout.no_fnmatch_line("*[[]fastapi[]]*")


def test_asking_for_a_missing_host_is_a_usage_error(user_project, monkeypatch):
    monkeypatch.setitem(sys.modules, "flask", None)
    result = user_project.runpytest("--dualweb-hosts=flask")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--dualweb-hosts asks for flask, which cannot run here*"])


def test_a_missing_router_fixture_is_explained(pytester):
    pytester.makepyfile("def test_it(dualweb_client):\n    pass\n")
    result = pytester.runpytest("--dualweb-hosts=flask")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*needs a `dualweb_router` fixture*define one in your conftest.py*"]
    )


# --- TestClient on each host (run through the plugin's own fixture) --------------------


def build_router():
    router = Router()

    @router.get("/items/{item_id}")
    def read_item(item_id: int) -> dict:
        return {"item_id": item_id}

    @router.post("/items", status_code=201)
    async def create(payload: dict) -> dict:
        return payload

    @router.get("/login")
    def login():
        response = RedirectResponse("/me")
        response.set_cookie("session", "abc")
        return response

    @router.get("/me")
    def me(request: Request) -> dict:
        return {
            "session": request.cookies.get("session"),
            "agent": request.headers.get("user-agent"),
        }

    @router.get("/boom")
    def boom() -> dict:
        raise RuntimeError("boom")

    @router.get("/missing")
    def missing() -> dict:
        raise HTTPException(404, "Nope")

    return router


def test_host_fixture_ids_are_the_host_names(request, dualweb_host):
    assert request.node.name == f"test_host_fixture_ids_are_the_host_names[{dualweb_host}]"
    assert dualweb_host in HOSTS


def test_client_on_each_target(dualweb_host):
    with TestClient(build_router(), target=dualweb_host) as client:
        assert isinstance(client, TestClient)
        assert client.target == dualweb_host
        expected_app = {"flask": "Flask", "fastapi": "FastAPI", "starlette": "Starlette"}
        assert type(client.app).__name__ == expected_app[dualweb_host]
        assert client.get("/items/5").json() == {"item_id": 5}
        assert client.get("/items/x").status_code == 422
        created = client.post("/items", json={"name": "Dune"})
        assert (created.status_code, created.json()) == (201, {"name": "Dune"})
        assert client.get("/missing").json() == {"detail": "Nope"}
        # The same client behaviour on every host: redirects followed, cookies kept,
        # one user agent.
        followed = client.get("/login")
        assert followed.json() == {"session": "abc", "agent": "testclient"}
        assert [r.status_code for r in followed.history] == [307]
        assert client.get("/login", follow_redirects=False).status_code == 307
        with pytest.raises(RuntimeError, match="boom"):
            client.get("/boom")


def test_client_shows_the_hosts_500_when_asked(dualweb_client_factory):
    client = dualweb_client_factory(build_router(), raise_server_exceptions=False)
    assert client.get("/boom").status_code == 500


def test_client_mount_keywords_reach_the_host(dualweb_client_factory):
    client = dualweb_client_factory(build_router(), prefix="/v1")
    assert client.get("/v1/items/1").json() == {"item_id": 1}
    assert client.get("/items/1").status_code == 404


def test_client_for_app_runs_an_asgi_lifespan(dualweb_host):
    events = []

    if dualweb_host == "flask":
        import flask

        app = flask.Flask("t")
    else:

        @contextlib.asynccontextmanager
        async def lifespan(app):
            events.append("startup")
            yield
            events.append("shutdown")

        if dualweb_host == "fastapi":
            import fastapi

            app = fastapi.FastAPI(lifespan=lifespan)
        else:
            from starlette.applications import Starlette

            app = Starlette(lifespan=lifespan)
    host = importlib.import_module(f"dualweb.{dualweb_host}")
    host.mount(app, build_router())
    with client_for_app(app) as client:
        assert client.target == dualweb_host
        assert client.get("/items/2").json() == {"item_id": 2}
    assert events == ([] if dualweb_host == "flask" else ["startup", "shutdown"])


def test_websocket_sessions_on_every_host(dualweb_host):
    router = Router()

    @router.websocket("/ws")
    async def ws(websocket: dualweb.WebSocket):
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())

    with TestClient(router, dualweb_host).websocket_connect("/ws") as session:
        session.send_text("ping")
        assert session.receive_text() == "ping"


def test_client_rejects_an_app_and_an_unknown_target():
    with pytest.raises(TypeError, match="client_for_app"):
        TestClient(object(), "flask")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown target 'django'"):
        TestClient(Router(), "django")


def test_client_on_a_missing_framework_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "flask", None)
    with pytest.raises(ImportError, match=r"install 'dualweb\[flask\]'"):
        TestClient(Router(), "flask")


def test_the_testing_pages_test_files_pass_on_every_host(pytester):
    """docs/testing.md's conftest.py and test files, run by pytest as a reader runs them.

    Their ``myapp.routes`` is the page's first sample, the router of ``/items/{item_id}``
    (tests/test_docs_pages.py runs the page's other samples).
    """
    samples = Path(__file__).resolve().parent.parent / "docs_src" / "testing"
    pytester.mkpydir("myapp")
    (pytester.path / "myapp" / "routes.py").write_text((samples / "01_testclient.py").read_text())
    pytester.makeconftest((samples / "05_conftest.py").read_text())
    tests = sorted(samples.glob("[0-9][0-9]_test_*.py"))
    assert [test.name for test in tests] == [
        "06_test_items.py",
        "07_test_under_a_prefix.py",
        "08_test_head.py",
    ]
    pytester.makepyfile(**{test.stem[3:]: test.read_text() for test in tests})
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=4 * len(HOSTS))
    for host in HOSTS:
        result.stdout.fnmatch_lines(
            [f"*test_head.py::test_head_of_a_get_route[[]{host}[]] PASSED*"]
        )
