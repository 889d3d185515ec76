"""Parameter markers: where a handler argument comes from, and how it is validated.

Each marker is a pydantic ``FieldInfo`` so that every constraint pydantic knows
(``gt``, ``max_length``, ``pattern``...) works unchanged; the marker adds only
the location and the few options that belong to HTTP (aliases for headers,
``embed`` for bodies, ``include_in_schema`` for the document).
"""

from __future__ import annotations

import enum
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

__all__ = [
    "Body",
    "Cookie",
    "Depends",
    "File",
    "Form",
    "Header",
    "Param",
    "ParamTypes",
    "Path",
    "Query",
    "Security",
]

_Unset: Any = PydanticUndefined


class ParamTypes(str, enum.Enum):
    """The places a non-body parameter can be read from."""

    query = "query"
    header = "header"
    path = "path"
    cookie = "cookie"


class _Marker(FieldInfo):  # type: ignore[misc]
    """Common constructor of every location marker.

    (It takes FastAPI's and pydantic's field keywords one by one, hence its length.)
    """

    __slots__ = ("example", "include_in_schema", "media_type", "openapi_examples")

    def __init__(
        self,
        default: Any = _Unset,
        *,
        default_factory: Callable[[], Any] | None = _Unset,
        annotation: Any | None = None,
        alias: str | None = None,
        alias_priority: int | None = _Unset,
        validation_alias: str | None = None,
        serialization_alias: str | None = None,
        title: str | None = None,
        description: str | None = None,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        regex: str | None = None,
        discriminator: str | None = None,
        strict: bool | None = _Unset,
        validate_default: bool | None = _Unset,
        union_mode: str | None = _Unset,
        fail_fast: bool | None = _Unset,
        multiple_of: float | None = _Unset,
        allow_inf_nan: bool | None = _Unset,
        max_digits: int | None = _Unset,
        decimal_places: int | None = _Unset,
        examples: list[Any] | None = None,
        example: Any = _Unset,
        openapi_examples: dict[str, Any] | None = None,
        deprecated: bool | str | None = None,
        include_in_schema: bool = True,
        json_schema_extra: dict[str, Any] | None = None,
        media_type: str | None = None,
        **extra: Any,
    ) -> None:
        if example is not _Unset:
            warnings.warn(
                "`example` has been deprecated, please use `examples` instead",
                DeprecationWarning,
                stacklevel=4,
            )
        if regex is not None:
            warnings.warn(
                "`regex` has been deprecated, please use `pattern` instead",
                DeprecationWarning,
                stacklevel=4,
            )
            pattern = pattern or regex
        # As FastAPI: `example` is documented on the parameter (or request body), not
        # folded into the JSON schema's `examples`.
        self.example = example
        self.include_in_schema = include_in_schema
        self.openapi_examples = openapi_examples
        self.media_type = media_type
        kwargs: dict[str, Any] = {
            "default": default,
            "default_factory": default_factory,
            "alias": alias,
            "title": title,
            "description": description,
            "gt": gt,
            "ge": ge,
            "lt": lt,
            "le": le,
            "min_length": min_length,
            "max_length": max_length,
            "pattern": pattern,
            "discriminator": discriminator,
            "examples": examples,
            "json_schema_extra": {**(json_schema_extra or {}), **extra} or None,
        }
        if annotation is not None:
            kwargs["annotation"] = annotation
        if deprecated is not None:
            kwargs["deprecated"] = deprecated
        if validation_alias not in (None, _Unset):
            kwargs["validation_alias"] = validation_alias
        if serialization_alias not in (None, _Unset):
            kwargs["serialization_alias"] = serialization_alias
        optional = {
            "alias_priority": alias_priority,
            "strict": strict,
            "validate_default": validate_default,
            "union_mode": union_mode,
            "fail_fast": fail_fast,
            "multiple_of": multiple_of,
            "allow_inf_nan": allow_inf_nan,
            "max_digits": max_digits,
            "decimal_places": decimal_places,
        }
        kwargs.update({k: v for k, v in optional.items() if v is not _Unset})
        if default_factory is _Unset:
            kwargs.pop("default_factory")
        if default is Ellipsis:
            kwargs["default"] = _Unset
        super().__init__(**kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.default!r})"


class Param(_Marker):  # type: ignore[misc]
    """A parameter read from the URL or the request's headers."""

    __slots__ = ("in_",)
    in_: ParamTypes


class Path(Param):  # type: ignore[misc]
    """A path parameter: always required."""

    __slots__ = ()

    def __init__(self, default: Any = ..., **kwargs: Any) -> None:
        if default is not ... and default is not _Unset:
            raise ValueError("Path parameters cannot have a default value")
        self.in_ = ParamTypes.path
        super().__init__(_Unset, **kwargs)


class Query(Param):  # type: ignore[misc]
    """A query-string parameter."""

    __slots__ = ()

    def __init__(self, default: Any = _Unset, **kwargs: Any) -> None:
        self.in_ = ParamTypes.query
        super().__init__(default, **kwargs)


class Header(Param):  # type: ignore[misc]
    """A request header; underscores in the name become hyphens unless told otherwise."""

    __slots__ = ("convert_underscores",)

    def __init__(
        self, default: Any = _Unset, *, convert_underscores: bool = True, **kwargs: Any
    ) -> None:
        self.in_ = ParamTypes.header
        self.convert_underscores = convert_underscores
        super().__init__(default, **kwargs)


class Cookie(Param):  # type: ignore[misc]
    """A cookie sent with the request."""

    __slots__ = ()

    def __init__(self, default: Any = _Unset, **kwargs: Any) -> None:
        self.in_ = ParamTypes.cookie
        super().__init__(default, **kwargs)


class Body(_Marker):  # type: ignore[misc]
    """A part of the JSON request body."""

    __slots__ = ("embed",)

    def __init__(
        self,
        default: Any = _Unset,
        *,
        embed: bool | None = None,
        media_type: str = "application/json",
        **kwargs: Any,
    ) -> None:
        self.embed = embed
        super().__init__(default, media_type=media_type, **kwargs)


class Form(Body):  # type: ignore[misc]
    """A field of a urlencoded or multipart form."""

    __slots__ = ()

    def __init__(
        self,
        default: Any = _Unset,
        *,
        media_type: str = "application/x-www-form-urlencoded",
        **kwargs: Any,
    ) -> None:
        super().__init__(default, media_type=media_type, **kwargs)


class File(Form):  # type: ignore[misc]
    """An uploaded file of a multipart form."""

    __slots__ = ()

    def __init__(
        self, default: Any = _Unset, *, media_type: str = "multipart/form-data", **kwargs: Any
    ) -> None:
        super().__init__(default, media_type=media_type, **kwargs)


class Depends:
    """A value computed by calling ``dependency`` with its own resolved parameters."""

    __slots__ = ("dependency", "scope", "use_cache")

    def __init__(
        self,
        dependency: Callable[..., Any] | None = None,
        *,
        use_cache: bool = True,
        scope: str | None = None,
    ) -> None:
        self.dependency = dependency
        self.use_cache = use_cache
        self.scope = scope

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__name__", type(self.dependency).__name__)
        cache = "" if self.use_cache else ", use_cache=False"
        return f"{type(self).__name__}({name}{cache})"


class Security(Depends):
    """A dependency that also declares the OAuth2 scopes it requires."""

    __slots__ = ("scopes",)

    def __init__(
        self,
        dependency: Callable[..., Any] | None = None,
        *,
        scopes: Sequence[str] | None = None,
        use_cache: bool = True,
    ) -> None:
        super().__init__(dependency, use_cache=use_cache)
        self.scopes = list(scopes or [])
