"""Router and Route: what the user declares, with FastAPI's operation keywords."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from enum import Enum
from typing import Any, TypeVar

from typing_extensions import deprecated

from . import params
from ._core.foreign import refuse_response_class
from ._core.forms import FormLimitsSetting, limits_set
from ._core.lifespan import AppLifespan, LifespanFactory, as_lifespan
from ._core.route import (
    OP_DEFAULTS,
    Default,
    Route,
    SocketRoute,
    first_explicit,
    first_set,
    generate_unique_id,
    resolve_default,
)
from .exceptions import DualwebError
from .responses import JSONResponse, Response

__all__ = ["Route", "Router", "SocketRoute", "generate_unique_id"]

DecoratedCallable = TypeVar("DecoratedCallable", bound=Callable[..., Any])
ExceptionHandler = Callable[..., Any]


class _Include:
    """A router included in another, with the include's own keywords."""

    __slots__ = (
        "callbacks",
        "dependencies",
        "deprecated",
        "form_limits",
        "include_in_schema",
        "max_body_size",
        "max_json_depth",
        "prefix",
        "response_class",
        "responses",
        "router",
        "tags",
        "unique_id_function",
    )

    def __init__(self, router: Router, **options: Any) -> None:
        self.router = router
        self.prefix: str = options["prefix"]
        self.tags: list[str | Enum] = options["tags"]
        self.dependencies: list[params.Depends] = options["dependencies"]
        self.responses: dict[int | str, dict[str, Any]] = options["responses"]
        self.callbacks: list[Route] = options["callbacks"]
        self.deprecated: bool | None = options["deprecated"]
        self.include_in_schema: bool = options["include_in_schema"]
        self.response_class: Any = options["default_response_class"]
        self.unique_id_function: Any = options["generate_unique_id_function"]
        self.max_body_size: int | None = options["max_body_size"]
        self.max_json_depth: int | None = options["max_json_depth"]
        self.form_limits: dict[str, int] = limits_set(options["form_limits"])

    def derive_socket(self, parent: Router, route: SocketRoute) -> SocketRoute:
        """The socket ``route`` as ``parent`` serves it: prefixes and dependencies merged."""
        return route.derive(
            path=parent.prefix + self.prefix + route.path,
            dependencies=[*parent.dependencies, *self.dependencies, *route.dependencies],
            exception_handler_chain=(*route.exception_handler_chain, parent),
            hide_input_in_errors=first_set(route.hide_input_in_errors, parent.hide_input_in_errors),
        )

    def derive(self, parent: Router, route: Route) -> Route:
        """``route`` as ``parent`` serves it: the parent's and the include's keywords merged."""
        include = self
        response_class = resolve_default(
            route.response_class, include.response_class, parent.default_response_class
        )
        if all(
            isinstance(c, Default)
            for c in (route.response_class, include.response_class, parent.default_response_class)
        ):
            response_class = Default(JSONResponse)
        unique_id_function = route.generate_unique_id_function
        if isinstance(unique_id_function, Default):
            unique_id_function = (
                include.unique_id_function
                if not isinstance(include.unique_id_function, Default)
                else parent.generate_unique_id_function
            )
        return route.derive(
            path=parent.prefix + include.prefix + route.path,
            tags=[*parent.tags, *include.tags, *route.tags],
            dependencies=[*parent.dependencies, *include.dependencies, *route.dependencies],
            responses={**parent.responses, **include.responses, **route.responses},
            callbacks=[*parent.callbacks, *include.callbacks, *route.callbacks],
            deprecated=route.deprecated or include.deprecated or parent.deprecated,
            include_in_schema=route.include_in_schema
            and include.include_in_schema
            and parent.include_in_schema,
            response_class=response_class,
            generate_unique_id_function=unique_id_function,
            exception_handler_chain=(*route.exception_handler_chain, parent),
            max_body_size=first_set(
                route.max_body_size, include.max_body_size, parent.max_body_size
            ),
            max_json_depth=first_set(
                route.max_json_depth, include.max_json_depth, parent.max_json_depth
            ),
            # Limit by limit, the innermost setting wins, as in FastAPI.
            form_limits={**parent.form_limits, **include.form_limits, **route.form_limits},
            # NOTE: as in FastAPI, include_router takes no strict_content_type of its own.
            strict_content_type=first_explicit(
                route.strict_content_type, parent.strict_content_type
            ),
            # As the exception handlers: the innermost router that says, says.
            hide_input_in_errors=first_set(route.hide_input_in_errors, parent.hide_input_in_errors),
        )


class _Methods:
    """The HTTP method decorators, each ``api_route`` with its one method (FastAPI's set)."""

    def api_route(
        self, path: str, *, methods: Sequence[str] | None = None, **operation: Any
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        raise NotImplementedError

    def get(self, path: str, **operation: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a GET operation."""
        return self.api_route(path, methods=["GET"], **operation)

    def put(self, path: str, **operation: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a PUT operation."""
        return self.api_route(path, methods=["PUT"], **operation)

    def post(self, path: str, **operation: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a POST operation."""
        return self.api_route(path, methods=["POST"], **operation)

    def delete(
        self, path: str, **operation: Any
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a DELETE operation."""
        return self.api_route(path, methods=["DELETE"], **operation)

    def options(
        self, path: str, **operation: Any
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare an OPTIONS operation."""
        return self.api_route(path, methods=["OPTIONS"], **operation)

    def head(self, path: str, **operation: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a HEAD operation."""
        return self.api_route(path, methods=["HEAD"], **operation)

    def patch(
        self, path: str, **operation: Any
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a PATCH operation."""
        return self.api_route(path, methods=["PATCH"], **operation)

    def trace(
        self, path: str, **operation: Any
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a TRACE operation."""
        return self.api_route(path, methods=["TRACE"], **operation)


class Router(_Methods):
    """A group of operations, declared as on FastAPI's ``APIRouter``, servable by any host.

    (Its declaring methods mirror ``APIRouter``'s one for one, hence its length.)
    """

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: Sequence[Route] | None = None,
        default_response_class: type[Response] | Default = Default(JSONResponse),
        generate_unique_id_function: Callable[[Route], str] | Default = Default(generate_unique_id),
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        max_body_size: int | None = None,
        max_json_depth: int | None = None,
        form_limits: FormLimitsSetting | None = None,
        strict_content_type: bool | Default = Default(True),
        hide_input_in_errors: bool | None = None,
        lifespan: Any = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
    ) -> None:
        if prefix:
            if not prefix.startswith("/"):
                raise DualwebError("A path prefix must start with '/'")
            if prefix.endswith("/"):
                raise DualwebError(
                    "A path prefix must not end with '/', as the routes will start with '/'"
                )
        refuse_response_class(resolve_default(default_response_class), "default_response_class")
        self.prefix = prefix
        self.tags: list[str | Enum] = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.responses = dict(responses or {})
        #: OpenAPI callbacks documented on every operation of this router.
        self.callbacks: list[Route] = list(callbacks or [])
        self.default_response_class = default_response_class
        self.generate_unique_id_function = generate_unique_id_function
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.max_body_size = max_body_size
        #: How deeply a JSON body may nest (arrays and objects), for the operations that
        #: set no limit of their own; None leaves it to the including router (or 100).
        self.max_json_depth = max_json_depth
        #: Whether validation errors (422 bodies, 1008 close reasons) leave out the
        #: ``input`` the client sent; None leaves it to the including router (or False).
        self.hide_input_in_errors = hide_input_in_errors
        #: The form limits this router sets (by name), each for the operations that set
        #: none of their own; a ``FormLimits`` sets all three, a mapping the ones it names.
        self.form_limits: dict[str, int] = limits_set(form_limits)
        #: Whether its operations refuse as JSON a body sent without a ``Content-Type``
        #: (FastAPI's default); unless set, the including router's setting applies.
        self.strict_content_type = strict_content_type
        #: This router's own lifespan (FastAPI's kind), as a factory of async context managers.
        self.lifespan: LifespanFactory | None = as_lifespan(lifespan)
        self.on_startup: list[Callable[[], Any]] = list(on_startup or [])
        self.on_shutdown: list[Callable[[], Any]] = list(on_shutdown or [])
        #: Replacements for dependencies, read at each request (a new mapping, or None,
        #: takes effect at the next one), as FastAPI's app has them.
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self.exception_handlers: dict[type[BaseException] | int, ExceptionHandler] = {}
        self._entries: list[Route | SocketRoute | _Include] = []
        self._derived: dict[tuple[int, int], tuple[Any, Any]] = {}
        self._webhooks: Router | None = None
        self.version = 0
        #: Set when the router (or a router including it) is mounted on an app: hosts
        #: register real routes at mount time, so later declarations would be lost.
        self.mounted = False

    # --- declaring -----------------------------------------------------------

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Sequence[str] | None = None,
        response_model: Any = Default(None),
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: Sequence[Route] | None = None,
        response_class: type[Response] | Default = Default(JSONResponse),
        generate_unique_id_function: Callable[[Route], str] | Default = Default(generate_unique_id),
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        **operation: Any,
    ) -> Route:
        """Declare an operation for ``endpoint`` at ``path``."""
        unknown = set(operation) - set(OP_DEFAULTS)
        if unknown:
            raise TypeError(f"unknown operation keyword(s): {', '.join(sorted(unknown))}")
        route = Route(
            self.prefix + path,
            endpoint,
            methods=methods,
            response_model=response_model,
            tags=[*self.tags, *(tags or [])],
            dependencies=[*self.dependencies, *(dependencies or [])],
            responses={**self.responses, **(responses or {})},
            callbacks=[*self.callbacks, *(callbacks or [])],
            response_class=response_class
            if not isinstance(response_class, Default)
            else self.default_response_class,
            generate_unique_id_function=generate_unique_id_function
            if not isinstance(generate_unique_id_function, Default)
            else self.generate_unique_id_function,
            deprecated=deprecated or self.deprecated,
            include_in_schema=include_in_schema and self.include_in_schema,
            exception_handler_chain=(self,),
            **{
                **operation,
                "max_body_size": first_set(operation.get("max_body_size"), self.max_body_size),
                "max_json_depth": first_set(operation.get("max_json_depth"), self.max_json_depth),
                "form_limits": {
                    **self.form_limits,
                    **limits_set(operation.get("form_limits")),
                },
                "strict_content_type": first_explicit(
                    operation.get("strict_content_type", Default(True)), self.strict_content_type
                ),
                "hide_input_in_errors": self.hide_input_in_errors,
            },
        )
        self._changed()
        self._entries.append(route)
        return route

    def api_route(
        self, path: str, *, methods: Sequence[str] | None = None, **operation: Any
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator form of ``add_api_route``."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_api_route(path, func, methods=methods, **operation)
            return func

        return decorator

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None = None,
        *,
        dependencies: Sequence[params.Depends] | None = None,
    ) -> SocketRoute:
        """Declare a WebSocket route for ``endpoint`` at ``path``.

        ``endpoint`` is an ``async def`` taking a ``WebSocket``, or a ``def`` taking a
        ``SyncWebSocket``; its other parameters are path, query, header and cookie
        parameters and dependencies, as an operation's (a socket has no body).
        """
        route = SocketRoute(
            self.prefix + path,
            endpoint,
            name=name,
            dependencies=[*self.dependencies, *(dependencies or [])],
            exception_handler_chain=(self,),
            hide_input_in_errors=self.hide_input_in_errors,
        )
        self._changed()
        self._entries.append(route)
        return route

    def websocket(
        self,
        path: str,
        name: str | None = None,
        *,
        dependencies: Sequence[params.Depends] | None = None,
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator form of ``add_api_websocket_route``."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_api_websocket_route(path, func, name, dependencies=dependencies)
            return func

        return decorator

    def include_router(
        self,
        router: Router,
        *,
        prefix: str = "",
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: Sequence[Route] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        default_response_class: type[Response] | Default = Default(JSONResponse),
        generate_unique_id_function: Callable[[Route], str] | Default = Default(generate_unique_id),
        max_body_size: int | None = None,
        max_json_depth: int | None = None,
        form_limits: FormLimitsSetting | None = None,
    ) -> None:
        """Serve ``router``'s operations as part of this router, under ``prefix``."""
        if router is self:
            raise DualwebError("a router cannot include itself")
        if prefix:
            if not prefix.startswith("/"):
                raise DualwebError("A path prefix must start with '/'")
            if prefix.endswith("/"):
                raise DualwebError(
                    "A path prefix must not end with '/', as the routes will start with '/'"
                )
        if self in router._descendants():
            raise DualwebError("including this router would make a cycle")
        refuse_response_class(resolve_default(default_response_class), "default_response_class")
        self._changed()
        self._entries.append(
            _Include(
                router,
                prefix=prefix,
                tags=list(tags or []),
                dependencies=list(dependencies or []),
                responses=dict(responses or {}),
                callbacks=list(callbacks or []),
                deprecated=deprecated,
                include_in_schema=include_in_schema,
                default_response_class=default_response_class,
                generate_unique_id_function=generate_unique_id_function,
                max_body_size=max_body_size,
                max_json_depth=max_json_depth,
                form_limits=form_limits,
            )
        )

    def exception_handler(
        self, exc_class_or_status_code: type[BaseException] | int
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Register a ``(request, exc) -> Response`` handler, sync or async, for every host."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_exception_handler(exc_class_or_status_code, func)
            return func

        return decorator

    def add_exception_handler(
        self, exc_class_or_status_code: type[BaseException] | int, handler: ExceptionHandler
    ) -> None:
        """Register ``handler`` for an exception class or an HTTPException status code."""
        self._changed()
        self.exception_handlers[exc_class_or_status_code] = handler

    def add_event_handler(self, event_type: str, func: Callable[[], Any]) -> None:
        """Run ``func`` (sync or async) at ``"startup"`` or at ``"shutdown"``."""
        if event_type == "startup":
            handlers = self.on_startup
        elif event_type == "shutdown":
            handlers = self.on_shutdown
        else:
            raise ValueError(f"event_type must be 'startup' or 'shutdown', not {event_type!r}")
        self._changed()
        handlers.append(func)

    @deprecated(
        "on_event is deprecated, use lifespan event handlers instead "
        "(as in FastAPI; see dualweb's docs/lifespan.md)"
    )
    def on_event(self, event_type: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator form of ``add_event_handler``; deprecated, as in FastAPI, for ``lifespan``."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_event_handler(event_type, func)
            return func

        return decorator

    def _changed(self) -> None:
        if self.mounted:
            raise DualwebError(
                "this router is already mounted on an app: hosts register its routes when it "
                "is mounted, so declare every route, included router and exception handler "
                "before calling mount()"
            )
        self.version += 1

    def freeze(self) -> None:
        """Refuse further declarations on this router and those it includes (done by mount)."""
        for router in (self, *self._descendants()):
            router.mounted = True
            if router._webhooks is not None:
                router._webhooks.freeze()

    @property
    def webhooks(self) -> Router:
        """The webhooks this API sends, declared as operations: documented, never served.

        As FastAPI's ``app.webhooks``: a router of its own, which this router's
        prefix, tags and other settings do not reach.
        """
        if self._webhooks is None:
            self._webhooks = Router()
            self._webhooks.mounted = self.mounted
        return self._webhooks

    # --- reading -----------------------------------------------------------------

    def lifespan_order(self) -> Iterator[Router]:
        """The routers this one includes, each before those it includes, in include order."""
        return self._descendants()

    def lifespan_context(self, app: Any) -> contextlib.AbstractAsyncContextManager[Any]:
        """This router's lifespan with its included routers', as a host runs it: an
        async context manager of the merged state (``app`` is handed to each)."""
        whole = AppLifespan()
        whole.add(self)
        return whole.run(app)

    def _descendants(self) -> Iterator[Router]:
        for entry in self._entries:
            if isinstance(entry, _Include):
                yield entry.router
                yield from entry.router._descendants()

    @property
    def state_version(self) -> tuple[int, ...]:
        """Changes whenever this router or an included one declares something (webhooks too)."""
        routers = (self, *self._descendants())
        return (
            *(r.version for r in routers),
            *(v for r in routers if r._webhooks is not None for v in r._webhooks.state_version),
        )

    @property
    def webhook_routes(self) -> list[Route]:
        """The webhooks this router documents: its own, then those of the routers it
        includes, in include order, each as declared on its ``webhooks`` router (once,
        however often its router is included)."""
        routers = list(dict.fromkeys((self, *self._descendants())))
        return [
            route
            for router in routers
            if router._webhooks is not None
            for route in router._webhooks.routes
        ]

    @property
    def routes(self) -> list[Route]:
        """Every operation, included routers' flattened in, in declaration order."""
        return [route for route in self._iter_routes() if isinstance(route, Route)]

    @property
    def websocket_routes(self) -> list[SocketRoute]:
        """Every WebSocket route, included routers' flattened in, in declaration order."""
        return [route for route in self._iter_routes() if isinstance(route, SocketRoute)]

    def _iter_routes(self) -> Iterator[Route | SocketRoute]:
        for entry in self._entries:
            if not isinstance(entry, _Include):
                yield entry
                continue
            for route in entry.router._iter_routes():
                key = (id(entry), id(route))
                cached = self._derived.get(key)
                if cached is None or cached[0] is not route:
                    derived = (
                        entry.derive(self, route)
                        if isinstance(route, Route)
                        else entry.derive_socket(self, route)
                    )
                    cached = (route, derived)
                    self._derived[key] = cached
                yield cached[1]
