"""Router and Route: what the user declares, with FastAPI's operation keywords."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator, Sequence
from enum import Enum, IntEnum
from typing import Any, TypeVar

from pydantic import TypeAdapter

from . import params
from ._core.analysis import (
    dependant_from_depends,
    flat_body_params,
    get_dependant,
    get_typed_return_annotation,
    should_embed_body,
)
from ._core.paths import template
from ._core.plan import Dependant, ParamField
from ._core.typeinfo import lenient_issubclass
from .exceptions import DualwebError
from .requests import FormLimits
from .responses import JSONResponse, Response, is_body_allowed_for_status_code

__all__ = ["Route", "Router", "generate_unique_id"]

DecoratedCallable = TypeVar("DecoratedCallable", bound=Callable[..., Any])
ExceptionHandler = Callable[..., Any]


class _Default:
    """A value the user did not set, so that an outer router's setting may apply."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:
        return f"Default({self.value!r})"


def _resolve(*candidates: Any) -> Any:
    """The first explicitly set candidate, else the last candidate's value."""
    for candidate in candidates:
        if not isinstance(candidate, _Default):
            return candidate
    last = candidates[-1]
    return last.value if isinstance(last, _Default) else last


def _first_set(*values: Any) -> Any:
    """The first value that is not None (an operation's, else its routers')."""
    return next((value for value in values if value is not None), None)


def generate_unique_id(route: Route) -> str:
    """FastAPI's default operation id: name, path and first method, as one identifier."""
    operation_id = re.sub(r"\W", "_", f"{route.name}{route.path_format}")
    return f"{operation_id}_{sorted(route.methods)[0].lower()}"


_OP_DEFAULTS: dict[str, Any] = {
    "status_code": None,
    "summary": None,
    "description": None,
    "response_description": "Successful Response",
    "deprecated": None,
    "operation_id": None,
    "response_model_include": None,
    "response_model_exclude": None,
    "response_model_by_alias": True,
    "response_model_exclude_unset": False,
    "response_model_exclude_defaults": False,
    "response_model_exclude_none": False,
    "include_in_schema": True,
    "name": None,
    "openapi_extra": None,
    "max_body_size": None,
    "form_limits": None,
}


class Route:
    """One operation: a path, its methods, its handler and its compiled plan."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Sequence[str] | None = None,
        response_model: Any = _Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        operation_id: str | None = None,
        include_in_schema: bool = True,
        response_class: type[Response] | _Default = _Default(JSONResponse),
        name: str | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[Route], str] | _Default = _Default(
            generate_unique_id
        ),
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
        response_model_include: Any = None,
        response_model_exclude: Any = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        exception_handler_chain: tuple[Router, ...] = (),
    ) -> None:
        if not callable(endpoint):
            raise DualwebError("An endpoint must be a callable")
        if path and not path.startswith("/"):
            raise DualwebError(f"Routed paths must start with '/': {path!r}")
        self.path = path
        self.template = template(path)
        self.endpoint = endpoint
        self.methods = {m.upper() for m in (methods or ["GET"])}
        self.name = (
            name if name is not None else getattr(endpoint, "__name__", type(endpoint).__name__)
        )
        self.status_code = int(status_code) if isinstance(status_code, IntEnum) else status_code
        self.tags = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.summary = summary
        self.response_description = response_description
        self.responses = dict(responses or {})
        self.deprecated = deprecated
        self.operation_id = operation_id
        self.include_in_schema = include_in_schema
        self.response_class = response_class
        self.openapi_extra = openapi_extra
        if max_body_size is not None and (
            isinstance(max_body_size, bool)
            or not isinstance(max_body_size, int)
            or max_body_size < 0
        ):
            raise DualwebError("max_body_size must be a non-negative integer or None")
        self.max_body_size = max_body_size
        self.form_limits = form_limits
        self.generate_unique_id_function = generate_unique_id_function
        self.response_model_include = response_model_include
        self.response_model_exclude = response_model_exclude
        self.response_model_by_alias = response_model_by_alias
        self.response_model_exclude_unset = response_model_exclude_unset
        self.response_model_exclude_defaults = response_model_exclude_defaults
        self.response_model_exclude_none = response_model_exclude_none
        self.exception_handler_chain = exception_handler_chain
        self._response_model_arg = response_model
        unique = _resolve(generate_unique_id_function)
        self.unique_id: str = operation_id or unique(self)
        doc = description or inspect.cleandoc(getattr(endpoint, "__doc__", None) or "")
        self.description = doc.split("\f")[0].strip()
        for code, extra in self.responses.items():
            if not isinstance(extra, dict):
                raise DualwebError("An additional response must be a dict")
            if extra.get("model") and not is_body_allowed_for_status_code(code):
                raise DualwebError(f"Status code {code} must not have a response body")

        # The plan: dependencies declared on routers and the operation run first.
        self.dependant: Dependant = get_dependant(path=path, call=endpoint)
        for depends in reversed(self.dependencies):
            self.dependant.dependencies.insert(0, dependant_from_depends(path, depends))
        self.body_fields: list[ParamField] = flat_body_params(self.dependant)
        self.embed_body: bool = should_embed_body(self.body_fields)

        if isinstance(response_model, _Default):
            annotation = get_typed_return_annotation(endpoint)
            response_model = None if lenient_issubclass(annotation, Response) else annotation
        self.response_model: Any = response_model
        self.response_adapter: TypeAdapter[Any] | None = None
        if response_model:
            if not is_body_allowed_for_status_code(self.status_code):
                raise DualwebError(f"Status code {status_code} must not have a response body")
            try:
                self.response_adapter = TypeAdapter(response_model)
            except Exception as exc:
                raise DualwebError(
                    f"Invalid args for response field! Hint: check that {response_model!r} is a "
                    "valid Pydantic field type. If you are using a return type annotation that "
                    "is not a valid Pydantic field (e.g. Union[Response, dict, None]) you can "
                    "disable generating the response model from the type annotation with the "
                    "path operation decorator parameter response_model=None."
                ) from exc

    @property
    def path_format(self) -> str:
        """The path with convertors dropped (``/files/{rest:path}`` -> ``/files/{rest}``)."""
        return self.template.path_format

    def derive(self, **changes: Any) -> Route:
        """A copy of this route with some declaration keywords changed (re-analysed)."""
        keywords = self.declaration()
        keywords.update(changes)
        path = keywords.pop("path")
        endpoint = keywords.pop("endpoint")
        return Route(path, endpoint, **keywords)

    def declaration(self) -> dict[str, Any]:
        """The keywords this route was declared with."""
        return {
            "path": self.path,
            "endpoint": self.endpoint,
            "methods": sorted(self.methods),
            "response_model": self._response_model_arg,
            "status_code": self.status_code,
            "tags": list(self.tags),
            "dependencies": list(self.dependencies),
            "summary": self.summary,
            "description": self.description or None,
            "response_description": self.response_description,
            "responses": dict(self.responses),
            "deprecated": self.deprecated,
            "operation_id": self.operation_id,
            "include_in_schema": self.include_in_schema,
            "response_class": self.response_class,
            "name": self.name,
            "openapi_extra": self.openapi_extra,
            "max_body_size": self.max_body_size,
            "form_limits": self.form_limits,
            "generate_unique_id_function": self.generate_unique_id_function,
            "response_model_include": self.response_model_include,
            "response_model_exclude": self.response_model_exclude,
            "response_model_by_alias": self.response_model_by_alias,
            "response_model_exclude_unset": self.response_model_exclude_unset,
            "response_model_exclude_defaults": self.response_model_exclude_defaults,
            "response_model_exclude_none": self.response_model_exclude_none,
            "exception_handler_chain": self.exception_handler_chain,
        }

    def __repr__(self) -> str:
        return f"Route(path={self.path!r}, name={self.name!r}, methods={sorted(self.methods)!r})"


class _Include:
    """A router included in another, with the include's own keywords."""

    __slots__ = (
        "dependencies",
        "deprecated",
        "form_limits",
        "include_in_schema",
        "max_body_size",
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
        self.deprecated: bool | None = options["deprecated"]
        self.include_in_schema: bool = options["include_in_schema"]
        self.response_class: Any = options["default_response_class"]
        self.unique_id_function: Any = options["generate_unique_id_function"]
        self.max_body_size: int | None = options["max_body_size"]
        self.form_limits: FormLimits | None = options["form_limits"]


class Router:
    """A group of operations, declared as on FastAPI's ``APIRouter``, servable by any host."""

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        default_response_class: type[Response] | _Default = _Default(JSONResponse),
        generate_unique_id_function: Callable[[Route], str] | _Default = _Default(
            generate_unique_id
        ),
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> None:
        if prefix:
            if not prefix.startswith("/"):
                raise DualwebError("A path prefix must start with '/'")
            if prefix.endswith("/"):
                raise DualwebError(
                    "A path prefix must not end with '/', as the routes will start with '/'"
                )
        self.prefix = prefix
        self.tags: list[str | Enum] = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.responses = dict(responses or {})
        self.default_response_class = default_response_class
        self.generate_unique_id_function = generate_unique_id_function
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.max_body_size = max_body_size
        self.form_limits = form_limits
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self.exception_handlers: dict[type[BaseException] | int, ExceptionHandler] = {}
        self._entries: list[Route | _Include] = []
        self._derived: dict[tuple[int, int], tuple[Route, Route]] = {}
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
        response_model: Any = _Default(None),
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        response_class: type[Response] | _Default = _Default(JSONResponse),
        generate_unique_id_function: Callable[[Route], str] | _Default = _Default(
            generate_unique_id
        ),
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        **operation: Any,
    ) -> Route:
        """Declare an operation for ``endpoint`` at ``path``."""
        unknown = set(operation) - set(_OP_DEFAULTS)
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
            response_class=response_class
            if not isinstance(response_class, _Default)
            else self.default_response_class,
            generate_unique_id_function=generate_unique_id_function
            if not isinstance(generate_unique_id_function, _Default)
            else self.generate_unique_id_function,
            deprecated=deprecated or self.deprecated,
            include_in_schema=include_in_schema and self.include_in_schema,
            exception_handler_chain=(self,),
            **{
                **operation,
                "max_body_size": _first_set(operation.get("max_body_size"), self.max_body_size),
                "form_limits": _first_set(operation.get("form_limits"), self.form_limits),
            },
        )
        self._entries.append(route)
        self._changed()
        return route

    def api_route(
        self, path: str, *, methods: Sequence[str] | None = None, **operation: Any
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator form of ``add_api_route``."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_api_route(path, func, methods=methods, **operation)
            return func

        return decorator

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

    def include_router(
        self,
        router: Router,
        *,
        prefix: str = "",
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        default_response_class: type[Response] | _Default = _Default(JSONResponse),
        generate_unique_id_function: Callable[[Route], str] | _Default = _Default(
            generate_unique_id
        ),
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
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
        self._entries.append(
            _Include(
                router,
                prefix=prefix,
                tags=list(tags or []),
                dependencies=list(dependencies or []),
                responses=dict(responses or {}),
                deprecated=deprecated,
                include_in_schema=include_in_schema,
                default_response_class=default_response_class,
                generate_unique_id_function=generate_unique_id_function,
                max_body_size=max_body_size,
                form_limits=form_limits,
            )
        )
        self._changed()

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
        self.exception_handlers[exc_class_or_status_code] = handler
        self._changed()

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
        self.mounted = True
        for child in self._descendants():
            child.mounted = True

    # --- reading -----------------------------------------------------------------

    def _descendants(self) -> Iterator[Router]:
        for entry in self._entries:
            if isinstance(entry, _Include):
                yield entry.router
                yield from entry.router._descendants()

    @property
    def state_version(self) -> tuple[int, ...]:
        """Changes whenever this router or an included one declares something."""
        return (self.version, *(r.version for r in self._descendants()))

    @property
    def routes(self) -> list[Route]:
        """Every operation, included routers' flattened in, in declaration order."""
        return list(self._iter_routes())

    def _iter_routes(self) -> Iterator[Route]:
        for entry in self._entries:
            if isinstance(entry, Route):
                yield entry
                continue
            for route in entry.router._iter_routes():
                key = (id(entry), id(route))
                cached = self._derived.get(key)
                if cached is None or cached[0] is not route:
                    cached = (route, self._include_route(entry, route))
                    self._derived[key] = cached
                yield cached[1]

    def _include_route(self, include: _Include, route: Route) -> Route:
        response_class = _resolve(
            route.response_class, include.response_class, self.default_response_class
        )
        if all(
            isinstance(c, _Default)
            for c in (route.response_class, include.response_class, self.default_response_class)
        ):
            response_class = _Default(JSONResponse)
        unique_id_function = route.generate_unique_id_function
        if isinstance(unique_id_function, _Default):
            unique_id_function = (
                include.unique_id_function
                if not isinstance(include.unique_id_function, _Default)
                else self.generate_unique_id_function
            )
        return route.derive(
            path=self.prefix + include.prefix + route.path,
            tags=[*self.tags, *include.tags, *route.tags],
            dependencies=[*self.dependencies, *include.dependencies, *route.dependencies],
            responses={**self.responses, **include.responses, **route.responses},
            deprecated=route.deprecated or include.deprecated or self.deprecated,
            include_in_schema=route.include_in_schema
            and include.include_in_schema
            and self.include_in_schema,
            response_class=response_class,
            generate_unique_id_function=unique_id_function,
            exception_handler_chain=(*route.exception_handler_chain, self),
            max_body_size=_first_set(
                route.max_body_size, include.max_body_size, self.max_body_size
            ),
            form_limits=_first_set(route.form_limits, include.form_limits, self.form_limits),
        )
