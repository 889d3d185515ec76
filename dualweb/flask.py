"""Serve a dualweb Router on Flask: real URL rules on a Blueprint, on Flask's own WSGI path.

Also here, for handlers that FastAPI or Starlette serve while a team moves: ``app_context``
and ``AppContextMiddleware``, a Flask app's context around their requests.
"""

from __future__ import annotations

from ._extras import require

require("dualweb.flask", "flask", "flask", "werkzeug", "simple_websocket")

import io
from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypeVar

import flask
from werkzeug.datastructures import FileStorage, ImmutableMultiDict
from werkzeug.datastructures import Headers as WerkzeugHeaders
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response as WerkzeugResponse

from . import _flask_rules as rules
from ._core.after import After
from ._core.concurrency import CallBack, CallSync, call_inline
from ._core.forms import FormLimits
from ._core.hosting import (
    app_lifespan,
    app_misses,
    check_clashes,
    check_new_mount,
    join_lifespan,
    mount_router,
)
from ._core.hostio import RequestParts, SyncHostIO, content_too_large
from ._core.lifespan import ProcessLifespan
from ._core.misses import Miss, Misses
from ._core.pipeline import Operation
from ._core.socket_operation import SocketOperation
from ._core.table import RouteTable, errors_to_app
from ._flask_context import AppContextMiddleware, app_context
from ._flask_sockets import HandOverChannel, InMemoryChannel, open_channel
from .datastructures import URL, FormData, Headers, UploadFile
from .exceptions import DualwebError, HTTPException, RequestValidationError
from .responses import Response, StreamingResponse
from .routing import Router

__all__ = ["AppContextMiddleware", "app_context", "mount", "shutdown", "startup"]

T = TypeVar("T")


class _FlaskResponse(flask.Response):
    # The core already chose every header: add no default content type or length.
    default_mimetype = None
    automatically_set_content_length = False

    def get_wsgi_headers(self, environ: Any) -> Any:
        if self.status_code == 304:
            # Werkzeug would drop a 304's entity headers (Content-Type, Expires...).
            return self.headers.copy()
        return super().get_wsgi_headers(environ)


def mount(
    app: flask.Flask,
    router: Router,
    *,
    prefix: str = "",
    name: str = "dualweb",
    offline_docs: bool | None = None,
    errors: str = "fastapi",
    **docs: Any,
) -> flask.Blueprint:
    """Register ``router``'s operations on ``app`` as URL rules of a new Blueprint.

    The Blueprint is called ``name`` (each mount on one app needs its own, as each
    Blueprint does); its endpoints are the operations' names, so that
    ``url_for(f"{name}.read_item", item_id=5)`` links to ``read_item``'s route, and
    the API document's pages are the endpoints of a second Blueprint, ``name + "_docs"``.
    ``docs`` are FastAPI's documentation keywords (``title``, ``openapi_url``,
    ``docs_url``...); the first mount under a prefix serves the API document and
    its pages there, for every router mounted under that prefix.

    ``errors="app"``: an ``HTTPException`` or a validation error that none of the
    router's exception handlers takes is raised to Flask as Werkzeug's exception for
    its status (validation errors as a ``BadRequest``, 400), so the app's own
    error handlers (``errorhandler``) answer, by status code or by dualweb's class; by default
    (``"fastapi"``) FastAPI's answers are sent.
    """
    errors_to_app(errors)
    registry: dict[str, Any] = app.extensions.setdefault("dualweb", {})
    check_new_mount(registry.setdefault("mounts", []), router, prefix)  # the clearer error
    for taken in (name, f"{name}_docs"):
        if taken in app.blueprints:
            raise DualwebError(
                f"this app already has a blueprint named {taken!r}: mount this router "
                "with another name, mount(app, router, name=...)"
            )
    lifespan = _process_lifespan(app)

    def register(table: RouteTable) -> flask.Blueprint:
        return _register(app, lifespan, name if table.router is router else f"{name}_docs", table)

    blueprint: flask.Blueprint = mount_router(
        registry, router, prefix, docs, offline_docs, register, errors=errors
    )
    if not registry.get("misses_installed"):
        registry["misses_installed"] = True
        app.before_request_funcs.setdefault(None, []).insert(
            0, _misses_hook(app_misses(registry), lifespan)
        )
        app.register_error_handler(rules.Redirect, rules.Redirect.answer)
    if join_lifespan(registry, router):
        # First among the app's hooks, so that the others find the lifespan's state too.
        app.before_request_funcs.setdefault(None, []).insert(0, _lifespan_hook(lifespan))
    return blueprint


def startup(app: flask.Flask) -> dict[str, Any]:
    """Run the lifespans of the routers mounted on ``app`` now, in this process, if they
    have not run here yet (they otherwise start before the first request); the state
    they yielded.

    For a server that forks workers, call it in the worker (gunicorn's
    ``post_worker_init``), never before the fork.
    """
    lifespan = _process_lifespan(app)
    lifespan.start()
    return lifespan.state


def shutdown(app: flask.Flask) -> None:
    """Run the shutdown of the lifespans started in this process (otherwise run at exit)."""
    _process_lifespan(app).stop()


def _process_lifespan(app: flask.Flask) -> ProcessLifespan:
    registry: dict[str, Any] = app.extensions.setdefault("dualweb", {})
    lifespan: ProcessLifespan | None = registry.get("process_lifespan")
    if lifespan is None:
        lifespan = registry["process_lifespan"] = ProcessLifespan(app_lifespan(registry), app)
    return lifespan


def _misses_hook(misses: Misses, lifespan: ProcessLifespan) -> Any:
    def dualweb_misses() -> None:
        # A request Werkzeug routed nowhere: where FastAPI answers otherwise, the
        # routing error Flask is about to raise becomes FastAPI's. Flask raises it
        # after every before_request hook, and looks up the app's own handler for
        # a 404 or 405 as for its own; the answer here is the one without a handler.
        request = flask.request._get_current_object()  # type: ignore[attr-defined]
        error = request.routing_exception
        if error is None:
            return
        if rules.is_upgrade(request.environ):
            request.routing_exception = rules.socket_refused(request.environ)
            return
        found = rules.found(error)
        miss = None if found is None else misses.decide(request.method, request.path, found)
        if miss is not None:
            request.routing_exception = _routing_error(miss, request, lifespan)
        else:
            request.routing_exception = rules.unrouted(error)

    return dualweb_misses


def _routing_error(miss: Miss, request: flask.Request, lifespan: ProcessLifespan) -> Exception:
    twin_url = _url(request, request.root_path + miss.twin) if miss.status == 307 else ""
    return rules.routing_error(miss, _to_flask(miss.response(twin_url), lifespan))


def _lifespan_hook(lifespan: ProcessLifespan) -> Any:
    def dualweb_lifespan() -> None:
        # Each request's state starts with the lifespan's, as an ASGI server gives it.
        state = lifespan.state_for_request()
        if state:
            vars(flask.g._get_current_object()).update(state)

    return dualweb_lifespan


def _register(
    app: flask.Flask, lifespan: ProcessLifespan, name: str, table: RouteTable
) -> flask.Blueprint:
    check_clashes(
        ((rules.rule_shape(rule.rule), rule.methods or ()) for rule in app.url_map.iter_rules()),
        table,
    )
    app.url_map.converters.update(rules.CONVERTERS)
    # The Blueprint belongs to the module that declared the routes, as one written by hand
    # would (tools read its docstring: APIFairy describes the Blueprint's tag with it).
    modules = (getattr(op.route.endpoint, "__module__", None) for op in table.operations)
    declared_in = next((module for module in modules if module), __name__)
    blueprint = flask.Blueprint(name, declared_in)
    endpoints: dict[str, list[tuple[str, dict[str, str], str]]] = app.extensions[
        "dualweb"
    ].setdefault("endpoints", {})
    # The methods each path's operations declare: Flask answers OPTIONS, and HEAD for a
    # GET, as for its own routes (Flask-CORS answers a preflight there), unless one of
    # the path's operations declares that method itself.
    declared: dict[str, set[str]] = {}
    for op in table.operations:
        declared.setdefault(op.template.shape, set()).update(op.methods)
    # NOTE: operations of one name share its endpoint, as the rules of a Flask view
    # with two @route decorators do (a Flask endpoint has one view function): the
    # view finds the operation by the rule Werkzeug matched.
    by_endpoint: dict[str, list[tuple[Operation, str, dict[str, str]]]] = {}
    for op in table.operations:
        rule, names = op.template.werkzeug_rule(rules.CONVERTER_NAMES, rules.URL_FOR_OWN)
        by_endpoint.setdefault(rules.endpoint(op.route.name), []).append((op, rule, names))
    served: dict[int, Any] = {}  # id(a Rule) -> the view of its operation
    pending: list[tuple[Operation, str, Any]] = []  # (operation, rule, view), in order
    for endpoint, ops in by_endpoint.items():
        views = [(op, rule, _view(table, op, names, lifespan)) for op, rule, names in ops]
        pending += views
        view = views[0][2] if len(views) == 1 else rules.dispatch(served)
        view.__name__ = endpoint
        for op, rule, names in ops:
            # For url_for by the route's name: the endpoint, each variable's parameter
            # and a method of the operation (which of the endpoint's rules).
            endpoints.setdefault(op.route.name, []).append(
                (f"{name}.{endpoint}", names, min(op.methods))
            )
            blueprint.add_url_rule(
                rule,
                endpoint=endpoint,
                view_func=view,
                methods=sorted(op.methods),
                # (None: as Flask decides for its own routes, and its app's configuration.)
                provide_automatic_options=None
                if "OPTIONS" not in declared[op.template.shape]
                else False,
                # FastAPI neither merges nor redirects `//`: `/files//etc` gives a
                # `{p:path}` parameter `/etc`, and `/items//3` is a 404.
                merge_slashes=False,
                # A path's trailing-slash twin is never this rule's (whatever the app's
                # map says): the miss then gets FastAPI's redirect (_misses_hook).
                strict_slashes=True,
            )
    taken = set(by_endpoint)
    for socket_op in table.sockets:
        rule, names = socket_op.template.werkzeug_rule(rules.CONVERTER_NAMES, rules.URL_FOR_OWN)
        endpoint = rules.endpoint(socket_op.route.name)
        while endpoint in taken:  # (FastAPI lets an HTTP route and a socket share a name)
            endpoint += "_websocket"
        taken.add(endpoint)
        endpoints.setdefault(socket_op.route.name, []).append((f"{name}.{endpoint}", names, "GET"))
        view = _socket_view(table, socket_op, names, lifespan)
        view.__name__ = endpoint
        # Werkzeug matches an upgrade request against `websocket=True` rules only.
        blueprint.add_url_rule(
            rule, endpoint=endpoint, view_func=view, websocket=True, merge_slashes=False
        )
    app.register_blueprint(blueprint)
    rules.bind(app, name, pending, served, declared)
    return blueprint


def _socket_view(
    table: RouteTable, op: SocketOperation, names: dict[str, str], lifespan: ProcessLifespan
) -> Any:
    renamed = any(variable != param for variable, param in names.items())
    served_under = table.root_path

    def view(**kwargs: Any) -> WerkzeugResponse:
        request = flask.request._get_current_object()  # type: ignore[attr-defined]
        io = _FlaskSocketIO(request, lifespan, served_under)
        channel = open_channel(request.environ)
        parts = RequestParts(
            "GET",
            request.path,
            request.environ.get("QUERY_STRING", ""),
            {names[k]: v for k, v in kwargs.items()} if renamed else kwargs,
            io,
            headers_joined=True,
            scheme="wss" if request.scheme == "https" else "ws",
            root_path=served_under or request.root_path,
        )
        try:
            io.block_on(op.serve(parts, channel, io.sync_calls()))
        except Exception as exc:
            if not isinstance(channel, HandOverChannel) or not channel.accepted:
                raise  # to Flask's error handling (before accept, its 500 is the answer)
            # After the hand-over no HTTP answer can go: reported as Flask reports it.
            _report(exc)
        return socket_answer(channel)

    return view


def socket_answer(channel: HandOverChannel | InMemoryChannel) -> WerkzeugResponse:
    """The WSGI response that ends a socket's request, once the socket is done: its
    denial, the empty 403 of a socket closed before ``accept``, or what the server that
    handed the socket over is given. (The bridge's WSGI front ends its sockets so too.)
    """
    before = channel.response_before_accept()
    if before is not None:
        return before  # (through the app's after_request hooks, as any response)
    return channel.response_after_hand_over()


def _view(
    table: RouteTable, op: Operation, names: dict[str, str], lifespan: ProcessLifespan
) -> Any:
    shadowed = table.may_be_shadowed(op)
    renamed = any(variable != param for variable, param in names.items())
    served_under = table.root_path  # a mount's root_path, in place of SCRIPT_NAME's

    def view(**kwargs: Any) -> flask.Response:
        # The request object itself, not Flask's context proxy: read many times below.
        request = flask.request._get_current_object()  # type: ignore[attr-defined]
        target, path_params = op, {names[k]: v for k, v in kwargs.items()} if renamed else kwargs
        if shadowed:
            earlier = table.resolve(op, request.method, request.path)
            if earlier is not None:
                target, path_params = earlier
        parts = RequestParts(
            request.method,
            request.path,
            request.environ.get("QUERY_STRING", ""),  # what Werkzeug's query_string holds
            path_params,
            io := _FlaskIO(request, lifespan, served_under),
            headers_joined=True,
            scheme=request.scheme,
            root_path=served_under or request.root_path,
        )
        try:
            response, after = target.handle_sync(parts)
        except (HTTPException, RequestValidationError) as exc:
            # Only with errors="app": the app's error handlers answer.
            raise rules.app_error(exc) from exc
        if response.unhandled is not None:
            _report(response.unhandled)
        native = _to_flask(response, lifespan)
        if after is not None or isinstance(response, StreamingResponse):
            # WSGI servers close the response once its body is sent: then run what waits.
            native.call_on_close(_after_in_request_context(response, after, io))
        return native

    return view


def _after_in_request_context(
    response: Response, after: After | None, io: _FlaskIO
) -> Callable[[], None]:
    # NOTE: Flask tears its request and app contexts down when the view returns, before
    # the body is sent; a streamed body and what runs after it (background tasks, the
    # teardown of yield dependencies) still use them: `g`, `current_app`, an extension's
    # per-request state (Flask-SQLAlchemy's session). Pushed once more, as
    # stream_with_context does, the context outlives Flask's own pop, and Flask's
    # teardown functions run after ours.
    held = flask.globals.request_ctx._get_current_object()  # type: ignore[attr-defined]
    held.push()

    def run_then_pop() -> None:
        try:
            if after is not None:
                failure = getattr(response, "failure", None)  # a stream cut short
                after.run_sync(io.block_on, io.sync_calls(), failure)
        finally:
            held.pop()

    return run_then_pop


def _server(environ: dict[str, Any]) -> tuple[str, int | None]:
    return environ.get("SERVER_NAME", ""), int(environ.get("SERVER_PORT") or 0) or None


def _url(request: flask.Request, path: str, scheme: str | None = None) -> str:
    # Werkzeug's request.url is an IRI (query decoded); compose Starlette's spelling.
    environ = request.environ
    return URL.compose(
        scheme or request.scheme,
        environ.get("HTTP_HOST"),
        _server(environ),
        path,
        request.query_string.decode("latin-1"),
    )


class _FlaskIO(SyncHostIO):
    """What the core may ask of Flask's request, computed only when asked."""

    __slots__ = ("calls", "lifespan", "request", "root_path")

    def __init__(
        self, request: flask.Request, lifespan: ProcessLifespan, root_path: str = ""
    ) -> None:
        self.request = request
        self.lifespan = lifespan
        #: The mount's root_path, which replaces the server's (SCRIPT_NAME) for dualweb's
        #: view of the request; "" keeps the server's.
        self.root_path = root_path
        self.calls: CallBack | None = None

    def block_on(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.lifespan.block_on(coro, self.calls)

    def sync_calls(self) -> CallSync:
        if not self.lifespan.shares_loop:
            return call_inline
        # On the lifespan's loop, shared by every thread: sync calls come back here.
        if self.calls is None:
            self.calls = CallBack()
        return self.calls

    def native(self) -> flask.Request:
        return self.request

    def client(self) -> tuple[str, int] | None:
        request = self.request
        remote = request.remote_addr
        return (remote, int(request.environ.get("REMOTE_PORT") or 0)) if remote else None

    def url(self) -> str:
        request = self.request
        return _url(request, request.root_path + request.path)

    def header_items(self) -> list[tuple[str, str]]:
        return list(self.request.headers.items())

    def app(self) -> flask.Flask:
        return flask.current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]

    def state(self) -> dict[str, Any]:
        # Flask's per-request namespace: what before_request code sets on `g` is there.
        namespace: dict[str, Any] = vars(flask.g._get_current_object())
        return namespace

    def as_scope(self) -> dict[str, Any]:
        request = self.request
        environ = request.environ
        path = request.root_path + request.path
        protocol = str(environ.get("SERVER_PROTOCOL", "HTTP/1.1"))
        return {
            "type": "http",
            "http_version": protocol.partition("/")[2] or "1.1",
            "method": request.method,
            "scheme": request.scheme,
            "path": path,
            "raw_path": path.encode("utf-8", "surrogateescape"),
            "root_path": self.root_path or request.root_path,
            "query_string": request.query_string,
            "headers": [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in request.headers.items()
            ],
            "client": self.client(),
            "server": _server(environ),
            "app": self.app(),
            "state": self.state(),
        }

    def url_for(self, name: str, params: dict[str, Any]) -> str:
        if not self.root_path:
            return self._url_for(name, params)
        # Links under the mount's root path: Werkzeug builds them under its adapter's
        # script name (this request's own adapter, set back afterwards).
        adapter = flask.globals.request_ctx.url_adapter
        if adapter is None:  # (Flask makes one for every request it routes)
            return self._url_for(name, params)
        script_name = adapter.script_name
        adapter.script_name = self.root_path + "/"
        try:
            return self._url_for(name, params)
        finally:
            adapter.script_name = script_name

    def _url_for(self, name: str, params: dict[str, Any]) -> str:
        registry = self.app().extensions["dualweb"]
        error: Exception | None = None
        for endpoint, names, method in registry.get("endpoints", {}).get(name, ()):
            if set(names.values()) != set(params):
                continue  # not this route's parameters (as Starlette's url_path_for)
            variables = {variable: params[param] for variable, param in names.items()}
            try:
                # (_method: this operation's rule, where operations share the endpoint.)
                return flask.url_for(endpoint, _method=method, _external=True, **variables)
            except BuildError as exc:
                error = exc
        if error is not None:
            raise error
        if name == "static" and "path" in params:
            # Starlette's StaticFiles mount takes `path`, Flask's static view `filename`:
            # url_for('static', path='/app.css') then links to the static file on every host.
            params = {**params, "filename": str(params["path"]).lstrip("/")}
            del params["path"]
        return flask.url_for(name, _external=True, **params)

    async def is_disconnected(self) -> bool:
        # NOTE: WSGI gives an application no way to know before it writes.
        return False

    def header(self, name: str) -> str | None:
        # One header straight from the WSGI environ, without building every header.
        environ = self.request.environ
        if name == "content-type":
            return environ.get("CONTENT_TYPE") or None
        if name == "content-length":
            return environ.get("CONTENT_LENGTH") or None
        value = environ.get("HTTP_" + name.upper().replace("-", "_"))
        return None if value is None else str(value)

    def read_body(self, limit: int | None) -> bytes:
        request = self.request
        if limit is None:
            body = _read_unlimited(request)
            if body is not None:
                _whole(request, len(body))
                return body
        elif getattr(request, "_cached_data", None) is None:
            # NOTE: Werkzeug's one read() of a body without a length (chunked) stops at
            # the limit without a word, and the handler would get the body cut short:
            # read it chunk by chunk to its end (the 413 comes past the limit), and
            # leave it where get_data() finds it, for Flask code after the view.
            request._cached_data = b"".join(self.body_chunks(limit))
        try:
            body = request.get_data(cache=True)
        except RequestEntityTooLarge:
            raise content_too_large() from None
        _whole(request, len(body))
        return body

    def body_chunks(self, limit: int | None) -> Generator[bytes, None, None]:
        request = self.request
        # NOTE: one byte more for Werkzeug: a body without a length that is exactly as
        # long as its limit is refused (it cannot tell that no byte follows); past the
        # limit is counted here.
        request.max_content_length = None if limit is None else limit + 1
        received = 0
        try:
            stream = request.stream
            while chunk := stream.read(_CHUNK):
                received += len(chunk)
                if limit is not None and received > limit:
                    raise content_too_large()
                yield chunk
        except RequestEntityTooLarge:
            raise content_too_large() from None
        _whole(request, received)

    def read_form(
        self, content_type: str | None, limits: FormLimits, limit: int | None
    ) -> FormData:
        request = self.request
        if "form" in request.__dict__:
            # NOTE: Flask code before the view (a CSRF check in a before_request hook,
            # say) had Werkzeug parse the form, which consumed the body: take its result.
            return _from_werkzeug(request)
        form = super().read_form(content_type, limits, limit)
        _share_with_flask(request, form)
        return form


_CHUNK = 64 * 1024


def _read_unlimited(request: flask.Request) -> bytes | None:
    """The body read straight from the WSGI input, as Werkzeug's ``get_data()`` would read
    it, where no limit applies and nothing has read it yet; None in every other case
    (Werkzeug then reads it).

    NOTE: ``get_data()`` costs about 6 us for a small body (the limit looked up through
    ``current_app``, a ``LimitedStream`` read in Python): a tenth of a small POST's time.
    What Flask code sees afterwards is the same: ``get_data()`` and ``form`` the body
    read, ``stream`` an exhausted stream.
    """
    if (
        getattr(request, "_cached_data", None) is not None
        or "stream" in request.__dict__
        or request.max_content_length is not None
    ):
        return None
    environ = request.environ
    stream = environ["wsgi.input"]
    if "wsgi.input_terminated" in environ:
        body: bytes = stream.read()  # (the server ends the input; _whole checks it)
    else:
        declared = environ.get("CONTENT_LENGTH", "")
        if not (declared.isascii() and declared.isdigit()):
            return None  # (no length, or Werkzeug's to refuse)
        length = int(declared)
        body = stream.read(length)
        while len(body) < length:  # a server may hand the body over in parts
            part = stream.read(length - len(body))
            if not part:
                raise ClientDisconnected()  # (Werkzeug's LimitedStream raises it so)
            body += part
    request._cached_data = body
    request.__dict__["stream"] = io.BytesIO()
    return body


def _whole(request: flask.Request, received: int) -> None:
    """Raise Werkzeug's ``ClientDisconnected`` if the body ended before its Content-Length.

    NOTE: Werkzeug raises it itself, except on a server that says it ends the input
    itself (``wsgi.input_terminated``): gunicorn does, and ends the body of a client
    that left mid-way as if it were whole. A handler would take a truncated upload for
    the upload (ASGI hosts raise ``ClientDisconnect`` then).
    """
    if "wsgi.input_terminated" not in request.environ:  # (Werkzeug's test)
        return  # (Werkzeug read no further than the declared length, and checked it)
    declared = request.content_length
    if declared is not None and received < declared:
        raise ClientDisconnected()


class _FlaskSocketIO(_FlaskIO):
    """A socket's handshake request, as its URL (``ws://``) and scope show it."""

    __slots__ = ()

    def url(self) -> str:
        request = self.request
        scheme = "wss" if request.scheme == "https" else "ws"
        return _url(request, request.root_path + request.path, scheme)

    def as_scope(self) -> dict[str, Any]:
        scope = super().as_scope()
        scope["type"] = "websocket"
        scope["scheme"] = "wss" if scope["scheme"] == "https" else "ws"
        del scope["method"]
        offered = self.request.headers.get("sec-websocket-protocol", "")
        scope["subprotocols"] = [name.strip() for name in offered.split(",") if name.strip()]
        return scope


def _from_werkzeug(request: flask.Request) -> FormData:
    items: list[tuple[str, Any]] = list(request.form.items(multi=True))
    for name, storage in request.files.items(multi=True):
        stream = storage.stream
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(0)
        headers = Headers(list(storage.headers.items()))
        upload = UploadFile(stream, size=size, filename=storage.filename, headers=headers)  # type: ignore[arg-type]
        items.append((name, upload))
    return FormData(items)


def _share_with_flask(request: flask.Request, form: FormData) -> None:
    # Flask code after the view reads the same form as request.form and request.files;
    # Flask closes the files when the request ends, as it closes its own.
    fields: list[tuple[str, str]] = []
    files: list[tuple[str, FileStorage]] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            storage = FileStorage(
                value.file,
                filename=value.filename,
                name=name,
                headers=WerkzeugHeaders(list(value.headers.items())),
            )
            files.append((name, storage))
        else:
            fields.append((name, value))
    request.__dict__["form"] = ImmutableMultiDict(fields)
    request.__dict__["files"] = ImmutableMultiDict(files)


def _report(exc: BaseException) -> None:
    # A server error handler answered; Flask still logs the exception and tells
    # its listeners (error trackers subscribe to this signal), as for its own 500s.
    app = flask.current_app._get_current_object()  # type: ignore[attr-defined]
    flask.got_request_exception.send(app, _async_wrapper=app.ensure_sync, exception=exc)
    app.log_exception((type(exc), exc, exc.__traceback__))


def _to_flask(response: Response, lifespan: ProcessLifespan) -> flask.Response:
    body: Any = response.body
    if isinstance(response, StreamingResponse):
        body = response.iter_sync(lifespan.block_on)  # the WSGI server pulls chunk by chunk
    return _FlaskResponse(body, response.status_code, response.raw_headers)
