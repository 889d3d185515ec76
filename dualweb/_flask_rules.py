"""The Flask host's Werkzeug side: the rules' converters and names, and routing errors.

Part of the Flask host (``dualweb.flask``), the only module that imports it: the
converters that make Werkzeug match what FastAPI's routes match, the endpoint and
variable names Flask's ``url_for`` takes, the operation behind each registered rule,
FastAPI's answers to a request Werkzeug routes nowhere, as the routing errors Flask
raises, and (``errors="app"``) dualweb's errors as the app's own, for its handlers.
"""

from __future__ import annotations

import functools
import http
import inspect
import re
from collections.abc import Mapping
from typing import Any

import flask
from werkzeug.exceptions import (
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    default_exceptions,
)
from werkzeug.exceptions import HTTPException as WerkzeugHTTPException
from werkzeug.routing import BaseConverter, RequestRedirect, WebsocketMismatch

from ._core.misses import HostFound, Miss
from ._core.paths import CONVERTORS
from ._core.pipeline import Operation
from .exceptions import HTTPException, RequestValidationError

__all__ = [
    "CONVERTERS",
    "CONVERTER_NAMES",
    "URL_FOR_OWN",
    "Redirect",
    "bind",
    "dispatch",
    "endpoint",
    "found",
    "routing_error",
    "rule_shape",
]


def _converter(convertor: str) -> type[BaseConverter]:
    """A Werkzeug converter matching the text the core's ``convertor`` matches, converted
    alike (Werkzeug's own differ: its float needs a dot, its path no leading slash)."""
    regex, convert = CONVERTORS[convertor]
    spans = re.fullmatch(regex, "a/b") is not None  # a path parameter: any length

    def to_python(self: BaseConverter, value: str) -> Any:
        return convert(value)

    attributes = {
        "regex": regex,
        "part_isolating": not spans,
        "weight": 200 if spans else 100,  # as Werkzeug weighs its own path and the others
        "to_python": to_python,
    }
    return type(f"Dualweb{convertor.title()}Converter", (BaseConverter,), attributes)


#: The Werkzeug converter of each of the core's convertors, by the name rules give it.
CONVERTER_NAMES = {convertor: f"dualweb_{convertor}" for convertor in CONVERTORS}
CONVERTERS = {name: _converter(convertor) for convertor, name in CONVERTER_NAMES.items()}

#: The names flask.url_for takes for itself: no path variable can be passed under one.
URL_FOR_OWN = frozenset(
    parameter.name
    for parameter in inspect.signature(flask.url_for).parameters.values()
    if parameter.kind is not inspect.Parameter.VAR_KEYWORD
)


def endpoint(name: str) -> str:
    """The Flask endpoint of the operations named ``name`` (within their Blueprint)."""
    return name.replace(".", "_")  # a Flask endpoint holds no dot: it ends a Blueprint's name


# NOTE: Werkzeug offers no public parser of its rule syntax; a rule's variables are
# blanked here to compare its shape with the core's (PathTemplate.shape).
_RULE_VARIABLE = re.compile(r"<[^<>]*>")


def rule_shape(rule: str) -> str:
    """A Werkzeug rule's shape, as ``PathTemplate.shape`` spells it."""
    return _RULE_VARIABLE.sub("{}", rule)


_ADDED = frozenset(("HEAD", "OPTIONS"))


def bind(
    app: flask.Flask,
    name: str,
    pending: list[tuple[Operation, str, Any]],
    served: dict[int, Any],
    declared: dict[str, set[str]],
) -> None:
    """Fill ``served`` (id of a rule -> its operation's view) from the Blueprint ``name``'s
    rules, once registered; ``pending`` holds (operation, rule, view) in declaration order,
    ``declared`` each path shape's declared methods."""
    # Flask made the Blueprint's rules when it was registered: each one's operation is
    # the first left with its rule and methods (but those Flask and Werkzeug add).
    for registered in app.url_map.iter_rules():
        methods = registered.methods
        if (
            not registered.endpoint.startswith(f"{name}.")
            or methods is None
            or registered.websocket  # a socket route's: one view, no dispatch
        ):
            continue
        index = next(
            i
            for i, (op, rule, _) in enumerate(pending)
            if rule == registered.rule and op.methods - _ADDED == methods - _ADDED
        )
        op, _, view = pending.pop(index)
        served[id(registered)] = view
        # Werkzeug adds HEAD to every GET rule: not where another operation declares HEAD.
        if "HEAD" not in op.methods and "HEAD" in declared[op.template.shape]:
            methods.discard("HEAD")


def dispatch(served: dict[int, Any]) -> Any:
    """The view of an endpoint several operations share: the matched rule's operation's."""

    def view(**kwargs: Any) -> flask.Response:
        return served[id(flask.request.url_rule)](**kwargs)  # type: ignore[no-any-return]

    return view


def found(error: Exception) -> HostFound | None:
    """What Werkzeug found, as its routing error says; None for another error."""
    if isinstance(error, RequestRedirect):
        return "redirect"
    if isinstance(error, MethodNotAllowed):
        return "other_methods"
    if isinstance(error, (NotFound, WebsocketMismatch)):
        # (Werkzeug's 400 for a plain request on a socket's rule: no route, for FastAPI.)
        return "nothing"
    return None


def socket_refused(environ: dict[str, Any]) -> Exception:
    """What Flask raises for a socket that no socket route takes: the empty 403 an ASGI
    server answers when the app closes before ``accept`` (FastAPI closes it so)."""
    in_memory = environ.get("dualweb.websocket")
    if in_memory is not None:  # the test client's socket sees the close itself
        in_memory.to_client.put({"type": "websocket.close", "code": 1000, "reason": ""})
    return Forbidden(response=flask.Response(status=403))


def unrouted(error: Exception) -> Exception:
    """The routing error Flask raises for a request no route takes: Werkzeug's 404 in
    place of its 400 for a plain request on a socket's rule."""
    return NotFound() if isinstance(error, WebsocketMismatch) else error


def is_upgrade(environ: dict[str, Any]) -> bool:
    """Whether the request asks for a WebSocket."""
    return str(environ.get("HTTP_UPGRADE", "")).lower() == "websocket"


def routing_error(miss: Miss, response: flask.Response) -> Exception:
    """The routing error Flask raises for ``miss``, answered by ``response`` where the app
    has no handler of its own (a 404 or 405 is looked up as Flask's own are)."""
    if miss.status == 307:
        return Redirect(response)
    if miss.status == 405:
        return MethodNotAllowed(sorted(miss.allow), response=response)
    return NotFound(response=response)


class Redirect(Exception):
    """FastAPI's redirect to a path's trailing-slash twin, raised where Flask raises its own.

    NOTE: not one of Werkzeug's HTTP exceptions: Flask would make its response
    again from the WSGI output of one, which adds a content type (FastAPI's
    redirect has none); an error handler of the app's gives back this one as is.
    """

    def __init__(self, response: flask.Response) -> None:
        super().__init__(response.headers.get("location"))
        self.response = response

    @staticmethod
    def answer(error: Redirect) -> flask.Response:
        """The app's error handler of these: the redirect itself."""
        return error.response


# --- errors="app": dualweb's errors as the app's own ---------------------------------


class AppHTTPException(HTTPException, WerkzeugHTTPException):
    """A dualweb ``HTTPException`` as Werkzeug's, with its status code, its ``detail`` as
    the description and its headers: the app's ``errorhandler`` for the code, or for
    dualweb's class, answers it; without one, Flask's own page does. (Its headers join
    whichever response answers it: see ``app_error``.)"""


class AppValidationError(RequestValidationError, BadRequest):
    """A request's validation errors as Werkzeug's ``BadRequest`` (400): the app's
    ``errorhandler(400)``, or its handler for ``RequestValidationError``, answers
    (``errors()``, ``body``)."""


# One class per status code, so that Flask finds the app's handler by the code.
_app_http_exceptions: dict[int, type[AppHTTPException]] = {}


def app_error(exc: Exception) -> Exception:
    """``exc`` (a dualweb HTTP or validation error) as the Flask app's own."""
    # NOTE: the bases' constructors disagree: each part is made by its own here.
    if isinstance(exc, RequestValidationError):
        error = AppValidationError.__new__(AppValidationError)
        BadRequest.__init__(error, "The request does not match what the operation declares.")
        error._errors, error.body = exc.errors(), exc.body
        return error
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    kind = _app_http_exceptions.get(status)
    if kind is None:
        werkzeug_kind = default_exceptions.get(status)
        name = werkzeug_kind.__name__ if werkzeug_kind is not None else "AppHTTPException"
        bases = (AppHTTPException,) if werkzeug_kind is None else (AppHTTPException, werkzeug_kind)
        kind = _app_http_exceptions[status] = type(name, bases, {"code": status})
    app_error = kind.__new__(kind)
    # Werkzeug's part as its class makes it (some keep more than a description); a
    # detail that is only the status phrase (none given) leaves Werkzeug's own text.
    werkzeug_init: Any = (default_exceptions.get(status) or WerkzeugHTTPException).__init__
    phrase = http.HTTPStatus(status).phrase if status in _STATUSES else None
    werkzeug_init(app_error, description=None if exc.detail == phrase else str(exc.detail))
    app_error.status_code, app_error.detail, app_error.headers = status, exc.detail, exc.headers
    if exc.headers:
        # Whatever response the app's handler makes for it carries the error's headers
        # (WWW-Authenticate, say) unless the handler set them itself.
        flask.after_this_request(functools.partial(_with_headers, exc.headers))
    return app_error


_STATUSES = {status.value for status in http.HTTPStatus}


def _with_headers(headers: Mapping[str, str], response: flask.Response) -> flask.Response:
    for name, value in headers.items():
        if name not in response.headers:
            response.headers[name] = value
    return response
