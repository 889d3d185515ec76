"""The table of a mounted router: its operations, frozen, and how a path finds them.

Hosts register one real route per operation; the table answers what their own
matchers cannot: which operations a path may reach (for Starlette's route list,
looked up by path shape instead of trying each route), and which earlier-declared
operation FastAPI would pick where a host ranks rules by specificity (Werkzeug).
"""

from __future__ import annotations

from typing import Any

from ..exceptions import DualwebError
from ..routing import Router
from .errors import ExceptionHandlers
from .forms import require_parser
from .paths import PathTemplate
from .pipeline import Operation
from .runners import OverridesProvider
from .socket_operation import SocketOperation

__all__ = ["ERRORS", "RouteTable", "errors_to_app"]

#: What a mount's ``errors=`` takes: FastAPI's answers, or the host app's own handlers.
ERRORS = ("fastapi", "app")


def errors_to_app(errors: str) -> bool:
    """Whether ``mount(..., errors=errors)`` hands HTTP and validation errors to the app."""
    if errors not in ERRORS:
        raise DualwebError(f"errors must be one of {', '.join(map(repr, ERRORS))}, not {errors!r}")
    return errors == "app"


class RouteTable:
    """A router as served by one host under one prefix: its operations, frozen."""

    def __init__(
        self,
        router: Router,
        prefix: str = "",
        provider: OverridesProvider | None = None,
        *,
        errors: str = "fastapi",
        root_path: str = "",
    ) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise DualwebError("a mount prefix must start with '/' and not end with '/'")
        self.router = router
        self.prefix = prefix
        #: The root path the operations' requests are served under, whatever the server
        #: says (a mount's ``root_path``, as ``FastAPI(root_path=...)``); "" keeps the server's.
        self.root_path = root_path.rstrip("/")
        routes = router.routes
        for route in routes:
            # NOTE: checked when served, not when declared: callbacks and webhooks are
            # declared with paths such as "{$callback_url}/events" or "new-subscription".
            if (prefix + route.path)[:1] not in ("", "/"):
                raise DualwebError(f"Routed paths must start with '/': {route.path!r}")
        to_app = errors_to_app(errors)
        router.freeze()
        self.operations: list[Operation] = [
            Operation(
                route,
                path=prefix + route.path,
                provider=router if provider is None else provider,
                handlers=ExceptionHandlers(route.exception_handler_chain, to_app=to_app),
            )
            for route in routes
        ]
        #: The WebSocket routes, in declaration order (the first that matches serves).
        self.sockets: list[SocketOperation] = [
            SocketOperation(
                route,
                path=prefix + route.path,
                provider=router if provider is None else provider,
                handlers=ExceptionHandlers(route.exception_handler_chain, to_app=to_app),
            )
            for route in router.websocket_routes
        ]
        for op in self.operations:
            if op.is_form:
                require_parser(op.path)
        # For hosts whose matcher ranks rules by specificity: the earlier-declared
        # operations that could also match an operation's paths (bucketed by shape,
        # so this stays near linear for large routers).
        self._earlier: dict[int, list[Operation]] = {}
        order = {id(op): index for index, op in enumerate(self.operations)}
        buckets: dict[Any, list[Operation]] = {}
        anywhere: list[Operation] = []  # templates with a {name:path} parameter
        for op in self.operations:
            key = op.template.shape_key
            if key is None:
                candidates = [e for bucket in buckets.values() for e in bucket] + anywhere
            else:
                count, first = key
                candidates = buckets.get((count, first), []) + anywhere
                if first is not None:
                    candidates += buckets.get((count, None), [])
                else:
                    candidates += [e for (n, _), b in buckets.items() if n == count for e in b]
            shadows = sorted(
                (
                    earlier
                    for earlier in candidates
                    if not earlier.template.is_static
                    and _methods_overlap(earlier.methods, op.methods)
                    and earlier.path != op.path
                    and earlier.template.may_overlap(op.template)
                ),
                key=lambda earlier: order[id(earlier)],
            )
            if shadows:
                self._earlier[id(op)] = shadows
            if key is None:
                anywhere.append(op)
            else:
                buckets.setdefault(key, []).append(op)
        self._index()

    def _index(self) -> None:
        # For hosts that match routes in a list (Starlette): which operations a path
        # can reach, looked up by its shape instead of trying every route in turn.
        by_key: dict[tuple[int, str], list[int]] = {}
        by_count: dict[int, list[int]] = {}
        anywhere: list[int] = []
        for index, op in enumerate(self.operations):
            key = op.template.shape_key
            if key is None:
                anywhere.append(index)
            elif key[1] is None:
                by_count.setdefault(key[0], []).append(index)
            else:
                by_key.setdefault((key[0], key[1]), []).append(index)
        self._anywhere = tuple(anywhere)
        self._by_count = {
            count: tuple(sorted([*indices, *anywhere])) for count, indices in by_count.items()
        }
        self._by_key = {
            key: tuple(sorted([*indices, *by_count.get(key[0], ()), *anywhere]))
            for key, indices in by_key.items()
        }

    def candidates(self, path: str) -> tuple[int, ...]:
        """The operations (indices, in declaration order) whose path may match ``path``.

        Every operation that matches is among them; the host's own matcher decides.
        """
        end = path.find("/", 1)
        key = (path.count("/") + 1, path[1:] if end < 0 else path[1:end])
        found = self._by_key.get(key)
        if found is None:
            found = self._by_count.get(key[0], self._anywhere)
        return found

    def first_match(self, path: str) -> Operation | None:
        """The first operation (in declaration order) whose path matches ``path``,
        whatever its methods."""
        operations = self.operations
        for index in self.candidates(path):
            op = operations[index]
            if op.template.regex.match(path) is not None:
                return op
        return None

    def reaches(self, path: str) -> bool:
        """Whether a request path could match both the route template ``path`` and one of
        these operations (conservative: True when unsure)."""
        try:
            other = PathTemplate(path)
        except Exception:  # a template this module cannot read: assume it overlaps
            return True
        key = other.shape_key
        if key is not None and key[1] is not None:
            pool = [self.operations[index] for index in self.candidates(other.path)]
        else:
            pool = self.operations
        return any(op.template.may_overlap(other) for op in pool)

    def may_be_shadowed(self, op: Operation) -> bool:
        """Whether an earlier-declared operation could match some of ``op``'s requests."""
        return id(op) in self._earlier

    def resolve(
        self, op: Operation, method: str, path: str
    ) -> tuple[Operation, dict[str, Any]] | None:
        """An earlier-declared operation that also matches, as FastAPI would pick it.

        Hosts whose matcher ranks rules by specificity (Werkzeug) call this to
        keep FastAPI's rule: the first declared route that matches wins.
        """
        for earlier in self._earlier.get(id(op), ()):
            if method in earlier.methods or (method == "HEAD" and "GET" in earlier.methods):
                found = earlier.template.match(path)
                if found is not None:
                    return earlier, found
        return None


def _methods_overlap(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a & b) or ("GET" in a and "HEAD" in b) or ("HEAD" in a and "GET" in b)
