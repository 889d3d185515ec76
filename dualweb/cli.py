"""The ``dualweb`` command: list a router's routes, write its OpenAPI document, serve it.

``APP`` names a :class:`dualweb.Router` as ``module:attribute``. The attribute
may be a dotted path (``module:api.router``) and may name a callable factory
that returns a Router (``module:create_router``). The module is imported with
``--app-dir`` (default: the current directory) first on ``sys.path``, as
uvicorn does.

``routes`` and ``openapi`` need only dualweb's core; ``serve`` imports the
target framework and its server when it runs. Server processes (uvicorn
workers and its reloader, gunicorn workers) build the app themselves through
:func:`app_factory`, which reads the ``DUALWEB_CLI_*`` environment variables
``serve`` sets.
"""

from __future__ import annotations

import argparse
import errno
import functools
import importlib
import importlib.util
import json
import os
import socket
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from . import __version__
from .routing import Route, Router

__all__ = ["app_factory", "load_router", "main"]

#: The environment variables through which ``serve`` tells server processes what to build.
ENV_APP = "DUALWEB_CLI_APP"
ENV_TARGET = "DUALWEB_CLI_TARGET"
ENV_APP_DIR = "DUALWEB_CLI_APP_DIR"
#: The document's title and version, and where the docs pages load their scripts from
#: ("offline", "cdn", or unset: the default), as ``serve`` was told.
ENV_TITLE = "DUALWEB_CLI_TITLE"
ENV_VERSION = "DUALWEB_CLI_VERSION"
ENV_DOCS_ASSETS = "DUALWEB_CLI_DOCS_ASSETS"

TARGETS = ("flask", "fastapi", "starlette")
#: The servers each target runs on; the first installed one is the default.
SERVERS = {
    "flask": ("gunicorn", "werkzeug"),
    "fastapi": ("uvicorn",),
    "starlette": ("uvicorn",),
}
#: The import names each target needs, and the pip extra that installs them.
_TARGET_MODULES = {
    "flask": ("flask", "werkzeug"),
    "fastapi": ("fastapi", "starlette"),
    "starlette": ("starlette",),
}
#: Modules a user's app may fail to import, and how to install them.
_INSTALL_HINTS = {
    "flask": "pip install 'dualweb[flask]'",
    "werkzeug": "pip install 'dualweb[flask]'",
    "fastapi": "pip install 'dualweb[fastapi]'",
    "starlette": "pip install 'dualweb[starlette]'",
    "multipart": "pip install 'dualweb[starlette]'",
    "python_multipart": "pip install 'dualweb[starlette]'",
    "httpx2": "pip install 'dualweb[testing]'",
    "uvicorn": "pip install uvicorn",
    "gunicorn": "pip install gunicorn",
}
_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


class CLIError(Exception):
    """A usage error: reported as one line on stderr, exit status 2, no traceback."""


# --- loading the router ------------------------------------------------------


def load_router(spec: str, app_dir: str | None = ".") -> Router:
    """The Router ``spec`` (``module:attribute``) names, importing its module from ``app_dir``."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise CLIError(
            f"APP must be given as 'module:attribute' (for example 'myapp:router'), not {spec!r}"
        )
    if app_dir is not None:
        directory = os.path.abspath(app_dir)
        if not sys.path or sys.path[0] != directory:
            sys.path.insert(0, directory)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            where = os.path.abspath(app_dir) if app_dir is not None else "sys.path"
            raise CLIError(
                f"could not import module {module_name!r}: no module named {missing!r} "
                f"(looked in {where} and sys.path; set the directory with --app-dir)"
            ) from None
        hint = _INSTALL_HINTS.get(missing.split(".")[0])
        raise CLIError(
            f"could not import module {module_name!r}: {exc}"
            + (f"; to install it: {hint}" if hint else "")
        ) from None
    target: Any = module
    walked = module_name
    for part in attribute.split("."):
        if not part.isidentifier():
            raise CLIError(f"{attribute!r} in {spec!r} is not a dotted attribute path")
        try:
            target = getattr(target, part)
        except AttributeError:
            raise CLIError(f"{walked!r} has no attribute {part!r} (from APP {spec!r})") from None
        walked = f"{walked}:{part}" if walked == module_name else f"{walked}.{part}"
    if isinstance(target, Router):
        return target
    if isinstance(target, type) or not callable(target):
        raise CLIError(f"{spec!r} is {_describe(target)}, not a dualweb.Router")
    made = target()  # a factory; its own exceptions are the user's to see, with a traceback
    if not isinstance(made, Router):
        raise CLIError(
            f"{spec!r} is a factory that returned {_describe(made)}, not a dualweb.Router"
        )
    return made


def _describe(value: Any) -> str:
    if isinstance(value, type):
        return f"the class {value.__module__}.{value.__qualname__}"
    kind = type(value)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    return f"an object of type {name} ({value!r:.60})"


def _load(args: argparse.Namespace) -> Router:
    try:
        return load_router(args.app, args.app_dir)
    except CLIError:
        raise
    except Exception as exc:
        # The user's module (or factory) raised: its traceback is what they need.
        traceback.print_exc()
        raise _UserCodeError(f"loading {args.app!r} raised {type(exc).__name__}: {exc}") from None


class _UserCodeError(Exception):
    """The user's module or factory raised; the traceback is already printed (exit status 1)."""


# --- routes ------------------------------------------------------------------


def _handler_name(endpoint: Any) -> str:
    func = endpoint
    while isinstance(func, functools.partial):
        func = func.func
    func = getattr(func, "__func__", func)  # bound methods
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if qualname is None:  # a callable instance
        module, qualname = type(func).__module__, type(func).__qualname__
    return f"{module}.{qualname}" if module else str(qualname)


def _methods(route: Route) -> list[str]:
    def key(method: str) -> tuple[int, str]:
        order = _METHOD_ORDER.index(method) if method in _METHOD_ORDER else len(_METHOD_ORDER)
        return (order, method)

    return sorted(route.methods, key=key)


def route_table(router: Router) -> list[dict[str, Any]]:
    """One row per operation, in declaration order: methods, path, handler, name; then
    one per WebSocket route, whose method is ``WEBSOCKET``."""
    return [
        {
            "methods": _methods(route),
            "path": route.path,
            "handler": _handler_name(route.endpoint),
            "name": route.name,
        }
        for route in router.routes
    ] + [
        {
            "methods": ["WEBSOCKET"],
            "path": route.path,
            "handler": _handler_name(route.endpoint),
            "name": route.name,
        }
        for route in router.websocket_routes
    ]


def _cmd_routes(args: argparse.Namespace) -> int:
    rows = route_table(_load(args))
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    header = ("METHODS", "PATH", "HANDLER", "NAME")
    cells = [(",".join(r["methods"]), r["path"], r["handler"], r["name"]) for r in rows]
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(3)]
    for row in [header, *cells]:
        padded = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        print("  ".join([*padded, row[3]]))
    return 0


# --- openapi -----------------------------------------------------------------


def _cmd_openapi(args: argparse.Namespace) -> int:
    from .openapi import export_openapi

    router = _load(args)
    options: dict[str, Any] = {}
    if args.title is not None:
        options["title"] = args.title
    if args.version is not None:
        options["version"] = args.version
    if args.output in (None, "-"):
        reconfigure = getattr(sys.stdout, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")
        export_openapi(router, sys.stdout, **options)
        return 0
    try:
        document = export_openapi(router, args.output, **options)
    except OSError as exc:
        raise CLIError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(
        f"dualweb: wrote the OpenAPI document ({len(document.get('paths', {}))} paths) "
        f"to {args.output}",
        file=sys.stderr,
    )
    return 0


# --- serve -------------------------------------------------------------------


def build_host_app(
    router: Router,
    target: str,
    import_name: str = "dualweb",
    *,
    title: str | None = None,
    version: str | None = None,
    offline_docs: bool | None = None,
) -> Any:
    """A new app of ``target`` serving ``router`` (Flask named after the APP's module),
    its document titled ``title`` and versioned ``version`` where given (FastAPI's
    defaults otherwise), its docs pages' scripts as ``offline_docs`` says (see ``mount``)."""
    given: dict[str, str | None] = {"title": title, "version": version}
    info: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    if target == "flask":
        import flask

        from . import flask as host_flask

        app = flask.Flask(import_name)
        host_flask.mount(app, router, offline_docs=offline_docs, **info)
        return app
    if target == "fastapi":
        import fastapi

        from . import fastapi as host_fastapi

        fastapi_app = fastapi.FastAPI(**info)
        host_fastapi.mount(fastapi_app, router, offline_docs=offline_docs)
        return fastapi_app
    from .testing import build_app

    return build_app(router, target, offline_docs=offline_docs, **info)


def app_factory() -> Any:
    """The app ``dualweb serve`` describes in the environment, built in a server process.

    uvicorn calls it as ``dualweb.cli:app_factory`` (``factory=True``) and gunicorn as
    ``dualweb.cli:app_factory()``, so that workers and reloaded processes import the
    user's module themselves.
    """
    spec = os.environ.get(ENV_APP)
    target = os.environ.get(ENV_TARGET)
    if not spec or not target:
        raise RuntimeError(f"{ENV_APP} and {ENV_TARGET} are set by 'dualweb serve'")
    router = load_router(spec, os.environ.get(ENV_APP_DIR) or ".")
    assets = os.environ.get(ENV_DOCS_ASSETS)
    return build_host_app(
        router,
        target,
        spec.partition(":")[0],
        title=os.environ.get(ENV_TITLE),
        version=os.environ.get(ENV_VERSION),
        offline_docs=None if not assets else assets == "offline",
    )


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _require(modules: Sequence[str], what: str, hint: str) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise CLIError(
                f"{what} needs {name!r}, which is not installed ({exc}): {hint}"
            ) from None


def _choose_server(target: str, requested: str | None) -> str:
    known = SERVERS[target]
    if requested is not None:
        if requested not in known:
            raise CLIError(
                f"unknown --server {requested!r} for --target {target}; choose {' or '.join(known)}"
            )
        return requested
    if target == "flask":
        return "gunicorn" if os.name != "nt" and _installed("gunicorn") else "werkzeug"
    return "uvicorn"


def _check_port(host: str, port: int) -> None:
    """Fail clearly, before any server starts, when ``host:port`` cannot be listened on."""
    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        return  # werkzeug's reloaded child: the parent already holds the socket
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            if os.name != "nt":  # as the servers do, so that TIME_WAIT does not count
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except socket.gaierror as exc:
        raise CLIError(f"cannot resolve --host {host!r}: {exc.strerror}") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CLIError(
                f"port {port} on {host} is already in use; stop the other server "
                "or choose another --port"
            ) from None
        raise CLIError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _check_serve_options(args: argparse.Namespace, server: str) -> None:
    if args.workers < 1:
        raise CLIError("--workers must be at least 1")
    if args.threads < 1:
        raise CLIError("--threads must be at least 1")
    if server == "werkzeug" and args.workers > 1:
        raise CLIError(
            "--workers needs a multi-process server: Werkzeug's serves from one process "
            "(pip install gunicorn, or use --server gunicorn)"
        )
    if server == "gunicorn" and os.name == "nt":
        raise CLIError("gunicorn does not run on Windows; use --server werkzeug")


def _require_serving(args: argparse.Namespace, target: str, server: str) -> None:
    """Fail clearly, before the APP is imported, when the target or the server is missing."""
    _require(_TARGET_MODULES[target], f"--target {target}", f"pip install 'dualweb[{target}]'")
    if server == "werkzeug" and args.server is None:
        print(
            "dualweb: gunicorn is not installed: serving with Werkzeug's development server "
            "(pip install gunicorn for a production server)",
            file=sys.stderr,
        )
    _require(
        [server],
        f"--server {server}" if args.server else f"serving --target {target}",
        _INSTALL_HINTS.get(server, f"pip install {server}"),
    )


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _publish_app(args: argparse.Namespace, app_dir: str) -> None:
    """Tell the server processes, through the environment, what :func:`app_factory` builds."""
    os.environ[ENV_APP] = args.app
    os.environ[ENV_TARGET] = args.target
    os.environ[ENV_APP_DIR] = app_dir
    for name, value in (
        (ENV_TITLE, args.title),
        (ENV_VERSION, args.doc_version),
        (ENV_DOCS_ASSETS, args.docs_assets),
    ):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _run_uvicorn(args: argparse.Namespace, app_dir: str) -> None:
    import uvicorn

    uvicorn.run(
        "dualweb.cli:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers if args.workers > 1 else None,
        reload=args.reload,
        reload_dirs=[app_dir] if args.reload else None,
    )


def _gunicorn_command(args: argparse.Namespace) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{_url_host(args.host)}:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--chdir",
        os.getcwd(),
    ]
    if args.reload:
        command.append("--reload")
    command.append("dualweb.cli:app_factory()")
    return command


def _exec_gunicorn(args: argparse.Namespace) -> NoReturn:
    command = _gunicorn_command(args)
    sys.stdout.flush()
    sys.stderr.flush()
    # A fresh interpreter, so that workers (and their reloads) import the APP themselves.
    os.execv(sys.executable, command)


def _run_werkzeug(args: argparse.Namespace) -> None:
    from werkzeug.serving import run_simple

    # The same app uvicorn's and gunicorn's processes build, from what the environment says.
    run_simple(args.host, args.port, app_factory(), threaded=True, use_reloader=args.reload)


def _counted(router: Router) -> str:
    counted = f"{len(router.routes)} routes"
    sockets = len(router.websocket_routes)
    if sockets:
        counted += f", {sockets} websocket route{'s' if sockets > 1 else ''}"
    return counted


def _cmd_serve(args: argparse.Namespace) -> int:
    target: str = args.target
    server = _choose_server(target, args.server)
    _check_serve_options(args, server)
    _require_serving(args, target, server)
    router = _load(args)
    _check_port(args.host, args.port)

    app_dir = os.path.abspath(args.app_dir)
    _publish_app(args, app_dir)
    print(
        f"dualweb: serving {args.app} ({_counted(router)}) on {target} with {server} "
        f"at http://{_url_host(args.host)}:{args.port}",
        file=sys.stderr,
        flush=True,
    )
    if server == "uvicorn":
        _run_uvicorn(args, app_dir)
        return 0
    if server == "gunicorn":
        _exec_gunicorn(args)
    _run_werkzeug(args)
    return 0


# --- the parser --------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dualweb",
        description="List a dualweb Router's routes, write its OpenAPI document, or serve it.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"dualweb {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    common = _Parser(add_help=False)
    common.add_argument(
        "app",
        metavar="APP",
        help="the Router, as module:attribute (a dotted attribute path or a factory also works)",
    )
    common.add_argument(
        "--app-dir",
        default=".",
        help="the directory APP's module is imported from (default: the current directory)",
    )

    routes = commands.add_parser(
        "routes", parents=[common], help="list the routes: methods, path, handler, name"
    )
    routes.add_argument("--json", action="store_true", help="print the table as JSON")
    routes.set_defaults(run=_cmd_routes)

    openapi = commands.add_parser(
        "openapi", parents=[common], help="write the OpenAPI document as JSON"
    )
    openapi.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    openapi.add_argument("--title", help="the document's info.title (default: FastAPI)")
    openapi.add_argument("--version", help="the document's info.version (default: 0.1.0)")
    openapi.set_defaults(run=_cmd_openapi)

    serve = commands.add_parser("serve", parents=[common], help="serve APP on a real server")
    serve.add_argument("--target", required=True, choices=TARGETS, help="the host framework")
    serve.add_argument("--host", default="127.0.0.1", help="the address (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="the port (default: 8000)")
    serve.add_argument(
        "--server",
        help="flask: gunicorn (the default where installed) or werkzeug; "
        "fastapi and starlette: uvicorn",
    )
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (uvicorn, gunicorn; default 1)"
    )
    serve.add_argument(
        "--threads", type=int, default=4, help="threads per gunicorn worker (default: 4)"
    )
    serve.add_argument(
        "--reload", action="store_true", help="restart when source files change (development)"
    )
    serve.add_argument(
        "--title", help="the API document's and docs pages' title (default: FastAPI)"
    )
    serve.add_argument(
        "--version",
        dest="doc_version",
        metavar="VERSION",
        help="the API document's info.version (default: 0.1.0)",
    )
    assets = serve.add_mutually_exclusive_group()
    assets.add_argument(
        "--offline-docs",
        dest="docs_assets",
        action="store_const",
        const="offline",
        help="the docs pages load Swagger UI and ReDoc from this server; an error where "
        "their packages are missing (by default: from this server where installed)",
    )
    assets.add_argument(
        "--cdn-docs",
        dest="docs_assets",
        action="store_const",
        const="cdn",
        help="the docs pages load Swagger UI and ReDoc from a CDN, as FastAPI's do",
    )
    serve.set_defaults(run=_cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``dualweb`` command; return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # Whoever reads the output stopped reading (``dualweb routes APP | head``): stop as
        # quietly as a Unix tool does, and keep Python from flushing into the closed pipe
        # again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except CLIError as exc:
        print(f"dualweb: error: {exc}", file=sys.stderr)
        return 2
    except _UserCodeError as exc:
        print(f"dualweb: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return status
