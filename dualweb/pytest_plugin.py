"""pytest plugin: run a test once per installed dualweb host.

Registered by entry point (``pytest11``), so installing dualweb with pytest
enables it. A test that asks for ``dualweb_host`` (directly or through another
fixture) runs once per host whose framework imports here, with the ids
``flask``, ``fastapi`` and ``starlette``::

    def test_read_item(dualweb_client_factory):
        client = dualweb_client_factory(router)
        assert client.get("/items/1").status_code == 200

Restrict the hosts with ``--dualweb-hosts=flask,fastapi`` or the ini option
``dualweb_hosts``, and a single test with ``@pytest.mark.dualweb_hosts("fastapi")``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .routing import Router
from .testing import HOSTS, TestClient, host_import_error

__all__ = [
    "dualweb_client",
    "dualweb_client_factory",
    "dualweb_host",
    "dualweb_router",
    "selected_hosts",
]

_HOSTS_KEY = pytest.StashKey[tuple[str, ...]]()
_MISSING_KEY = pytest.StashKey[dict[str, str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dualweb", "dualweb dual-host testing")
    group.addoption(
        "--dualweb-hosts",
        dest="dualweb_hosts",
        default=None,
        metavar="HOSTS",
        help="comma-separated hosts to run dualweb_host tests on "
        f"(of {', '.join(HOSTS)}; default: every installed host)",
    )
    parser.addini(
        "dualweb_hosts",
        help="hosts to run dualweb_host tests on (comma or space separated; "
        "default: every installed host)",
        default="",
    )


def _parse_hosts(value: str, where: str) -> tuple[str, ...]:
    names = tuple(name for name in re.split(r"[\s,]+", value) if name)
    unknown = [name for name in names if name not in HOSTS]
    if unknown:
        raise pytest.UsageError(
            f"{where}: unknown dualweb host {', '.join(map(repr, unknown))}; "
            f"expected some of {', '.join(HOSTS)}"
        )
    return names


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "dualweb_hosts(*hosts): run this test only on these dualweb hosts "
        "(of those selected and installed)",
    )
    option = config.getoption("dualweb_hosts", None)
    ini = config.getini("dualweb_hosts")
    ini_text = " ".join(ini) if isinstance(ini, list) else str(ini or "")
    if option:
        requested, where = _parse_hosts(option, "--dualweb-hosts"), "--dualweb-hosts"
    elif ini_text.strip():
        requested, where = _parse_hosts(ini_text, "ini dualweb_hosts"), "ini dualweb_hosts"
    else:
        requested, where = (), ""
    missing = {}
    for name in HOSTS:
        error = host_import_error(name)
        if error is not None:
            missing[name] = str(error)
    if requested:
        absent = [name for name in requested if name in missing]
        if absent:
            raise pytest.UsageError(
                f"{where} asks for {', '.join(absent)}, which cannot run here: "
                + "; ".join(f"{name}: {missing[name]}" for name in absent)
            )
        hosts = tuple(name for name in HOSTS if name in requested)
    else:
        hosts = tuple(name for name in HOSTS if name not in missing)
    config.stash[_HOSTS_KEY] = hosts
    config.stash[_MISSING_KEY] = missing


def selected_hosts(config: pytest.Config) -> tuple[str, ...]:
    """The hosts ``dualweb_host`` tests run on in this session."""
    return config.stash[_HOSTS_KEY]


def pytest_report_header(config: pytest.Config) -> str:
    line = f"dualweb hosts: {', '.join(selected_hosts(config)) or '(none)'}"
    missing = config.stash[_MISSING_KEY]
    if missing:
        line += f" (not installed: {', '.join(missing)})"
    return line


def _parametrize_mark_argnames(mark: pytest.Mark) -> list[str]:
    argnames = mark.args[0] if mark.args else mark.kwargs.get("argnames", ())
    if isinstance(argnames, str):
        return [name.strip() for name in argnames.split(",")]
    return list(argnames)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "dualweb_host" not in metafunc.fixturenames:
        return
    # A test that parametrizes dualweb_host itself chooses its own hosts.
    for mark in metafunc.definition.iter_markers("parametrize"):
        if "dualweb_host" in _parametrize_mark_argnames(mark):
            return
    hosts = list(selected_hosts(metafunc.config))
    only = metafunc.definition.get_closest_marker("dualweb_hosts")
    if only is not None:
        _parse_hosts(" ".join(only.args), f"{metafunc.definition.nodeid}: dualweb_hosts mark")
        hosts = [name for name in hosts if name in only.args]
    metafunc.parametrize("dualweb_host", hosts, ids=hosts, indirect=True)


@pytest.fixture
def dualweb_host(request: pytest.FixtureRequest) -> str:
    """The name of the host this test runs on: ``flask``, ``fastapi`` or ``starlette``.

    Parametrized by the plugin over every selected, installed host.
    """
    param = getattr(request, "param", None)
    if param is None:
        raise pytest.UsageError("dualweb_host is parametrized by the dualweb plugin only")
    return str(param)


@pytest.fixture
def dualweb_client_factory(dualweb_host: str) -> Iterator[Callable[..., TestClient]]:
    """``make(router, **options)`` -> a ``TestClient`` of ``router`` on this test's host.

    ``options`` are ``TestClient``'s (``raise_server_exceptions``, ``headers`` ...)
    and the host's mount keywords (``prefix``, docs keywords). Clients are
    closed when the test ends.
    """
    clients: list[TestClient] = []

    def make(router: Router, **options: Any) -> TestClient:
        client = TestClient(router, dualweb_host, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def dualweb_router() -> Router:
    """The router ``dualweb_client`` serves: override this fixture in your conftest."""
    raise pytest.UsageError(
        "dualweb_client needs a `dualweb_router` fixture returning your dualweb.Router; "
        "define one in your conftest.py"
    )


@pytest.fixture
def dualweb_client(
    dualweb_router: Router, dualweb_client_factory: Callable[..., TestClient]
) -> Iterator[TestClient]:
    """A ``TestClient`` of your ``dualweb_router`` fixture on this test's host."""
    with dualweb_client_factory(dualweb_router) as client:
        yield client
