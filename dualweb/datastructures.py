"""Plain-value containers for the parts of a request, shared by every host.

A host fills these from its own request object; the core reads only these.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, MutableMapping
from http.cookies import SimpleCookie
from typing import Any, BinaryIO, NamedTuple
from urllib.parse import unquote_plus, urlsplit

__all__ = [
    "URL",
    "Address",
    "FormData",
    "Headers",
    "MutableHeaders",
    "QueryParams",
    "State",
    "UploadFile",
    "parse_cookies",
]


class Address(NamedTuple):
    """The peer of a connection."""

    host: str
    port: int


class _MultiMap(Mapping[str, str]):
    """An ordered multi-map of strings; ``get`` and ``[]`` give one value per key."""

    __slots__ = ("_dict", "_list")

    _list: list[tuple[str, str]]
    _dict: dict[str, str]

    def getlist(self, key: str) -> list[str]:
        """Every value sent for ``key``, in order."""
        return [v for k, v in self._list if k == key]

    def multi_items(self) -> list[tuple[str, str]]:
        """Every (key, value) pair, repeated keys included."""
        return list(self._list)

    def __getitem__(self, key: str) -> str:
        return self._dict[key]

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and sorted(self._list) == sorted(other._list)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list!r})"


def _parse_query(query: str) -> list[tuple[str, str]]:
    """``parse_qsl(query, keep_blank_values=True)``, decoding only what is encoded."""
    pairs: list[tuple[str, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if "%" in name or "+" in name:
            name = unquote_plus(name)
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        pairs.append((name, value))
    return pairs


class QueryParams(_MultiMap):
    """The query string's parameters; the last value wins for a repeated key, as Starlette."""

    __slots__ = ()

    def __init__(self, items: str | bytes | Iterable[tuple[str, str]] = ()) -> None:
        if isinstance(items, bytes):
            items = items.decode("latin-1")
        if isinstance(items, str):
            items = _parse_query(items)
        self._list = list(items)
        self._dict = dict(self._list)

    def __str__(self) -> str:
        from urllib.parse import urlencode

        return urlencode(self._list)


class Headers(_MultiMap):
    """Request headers; names are case-insensitive and the first value wins, as Starlette.

    ``joined`` says that the server folded repeated headers into one
    comma-separated value, as every WSGI server must (a WSGI environ holds one
    value per name). ``getlist`` then splits them again, as RFC 9110 allows for
    list-valued fields, so that ``list[str]`` headers work on WSGI hosts too.
    """

    __slots__ = ("joined",)

    def __init__(self, items: Iterable[tuple[str, str]] = (), *, joined: bool = False) -> None:
        self._list = [(k.lower(), v) for k, v in items]
        self.joined = joined
        first: dict[str, str] = {}
        for k, v in self._list:
            first.setdefault(k, v)
        self._dict = first

    def getlist(self, key: str) -> list[str]:
        key = key.lower()
        values = [v for k, v in self._list if k == key]
        if self.joined:
            return [part.strip() for value in values for part in value.split(",")]
        return values

    def get(self, key: str, default: Any = None) -> Any:
        return self._dict.get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return self._dict[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._dict

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return list(self._list)


class URL:
    """The request URL, split into its parts."""

    __slots__ = ("_parts", "_url")

    def __init__(self, url: str) -> None:
        self._url = url
        self._parts = urlsplit(url)

    @staticmethod
    def compose(
        scheme: str, host: str | None, server: tuple[str, int | None] | None, path: str, query: str
    ) -> str:
        """The URL a request was sent to, spelled as Starlette spells it.

        ``path`` is the decoded path (root path included) and ``query`` the raw
        query string; the authority is the ``Host`` header, else the server.
        """
        path = path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
        netloc = host
        if not netloc and server is not None:
            name, port = server
            if ":" in name and not name.startswith("["):
                name = f"[{name}]"
            default = {"http": 80, "https": 443}.get(scheme)
            netloc = name if port in (None, default) else f"{name}:{port}"
        url = f"{scheme}://{netloc}{path}" if netloc else path
        return f"{url}?{query}" if query else url

    @property
    def scheme(self) -> str:
        return self._parts.scheme

    @property
    def netloc(self) -> str:
        return self._parts.netloc

    @property
    def hostname(self) -> str | None:
        return self._parts.hostname

    @property
    def port(self) -> int | None:
        return self._parts.port

    @property
    def path(self) -> str:
        # Decoded by the server; only ``?``, ``#`` and ``\`` stay escaped (Starlette's rule).
        return self._parts.path

    @property
    def query(self) -> str:
        return self._parts.query

    @property
    def fragment(self) -> str:
        return self._parts.fragment

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"URL({self._url!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self._url)


class State:
    """An attribute bag for data a request carries between dependencies and handlers."""

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_state", state if state is not None else {})

    def __setattr__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __getattr__(self, key: str) -> Any:
        try:
            return self._state[key]
        except KeyError:
            raise AttributeError(f"'State' object has no attribute '{key}'") from None

    def __delattr__(self, key: str) -> None:
        del self._state[key]


def parse_cookies(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` header leniently, the way browsers send it."""
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        key, sep, value = chunk.partition("=")
        if not sep:
            key, value = "", key
        key, value = key.strip(), value.strip()
        if key or value:
            morsel_value = SimpleCookie().value_decode(value)[0]
            cookies[key] = morsel_value
    return cookies


class UploadFile:
    """An uploaded file, spooled to a temporary file by the host's parser.

    The async ``read``/``write``/``seek``/``close`` are FastAPI's; ``file`` is
    the underlying binary file, for synchronous code. On ASGI hosts a file that
    has rolled over to disk is read in a worker thread (``offload``).
    """

    __slots__ = ("file", "filename", "headers", "offload", "size")

    def __init__(
        self,
        file: BinaryIO,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: Headers | None = None,
        offload: Callable[..., Awaitable[Any]] | None = None,
    ) -> None:
        self.file = file
        self.size = size
        self.filename = filename
        self.headers = headers if headers is not None else Headers()
        self.offload = offload

    @property
    def content_type(self) -> str | None:
        """The part's ``Content-Type``, as the client sent it."""
        value = self.headers.get("content-type")
        return None if value is None else str(value)

    @property
    def _in_memory(self) -> bool:
        return not getattr(self.file, "_rolled", True)

    async def _run(self, func: Callable[..., Any], *args: Any) -> Any:
        if self.offload is not None and not self._in_memory:
            return await self.offload(func, *args)
        return func(*args)

    async def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all by default)."""
        return bytes(await self._run(self.file.read, size))

    async def write(self, data: bytes) -> None:
        """Write ``data`` at the current position."""
        if self.size is not None:
            self.size += len(data)
        await self._run(self.file.write, data)

    async def seek(self, offset: int) -> None:
        """Move to ``offset``."""
        await self._run(self.file.seek, offset)

    async def close(self) -> None:
        """Close the underlying file."""
        await self._run(self.file.close)

    def __repr__(self) -> str:
        return (
            f"UploadFile(filename={self.filename!r}, size={self.size!r}, headers={self.headers!r})"
        )

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def check(value: Any) -> UploadFile:
            if not isinstance(value, UploadFile):
                raise ValueError(f"Expected UploadFile, received: {type(value)}")
            return value

        return core_schema.no_info_plain_validator_function(check)

    @classmethod
    def __get_pydantic_json_schema__(cls, core: Any, handler: Any) -> dict[str, Any]:
        # As FastAPI 0.165 documents a file (OpenAPI 3.1 / JSON Schema 2020-12).
        return {"type": "string", "contentMediaType": "application/octet-stream"}


class FormData(_MultiMap):
    """A parsed form: fields as strings, files as ``UploadFile``; the last value wins."""

    __slots__ = ()

    def __init__(self, items: Iterable[tuple[str, Any]] = ()) -> None:
        self._list = list(items)
        self._dict = dict(self._list)

    def getlist(self, key: str) -> list[Any]:
        return [v for k, v in self._list if k == key]

    async def close(self) -> None:
        """Close every uploaded file."""
        for _, value in self._list:
            if isinstance(value, UploadFile):
                await value.close()


#: What a header value cannot hold: a CR or LF would end the header there, and start
#: another the value chose (header injection, from a value a client sent); NUL no server takes.
_NOT_IN_A_VALUE = str.maketrans({"\r": " ", "\n": " ", "\0": " "})


def header_value(value: str) -> str:
    """``value`` safe to send as one header's value: CR, LF and NUL become spaces.

    NOTE: replaced, not refused: a handler that echoes a client's value into a header
    would otherwise fail (Werkzeug refuses such a value at send, a 500), or, on servers
    that pass it on, let the client add headers of its own.
    """
    if isinstance(value, str) and ("\r" in value or "\n" in value or "\0" in value):
        return value.translate(_NOT_IN_A_VALUE)
    return value


class MutableHeaders(MutableMapping[str, str]):
    """A view over a response's header list; names are case-insensitive."""

    __slots__ = ("_raw",)

    def __init__(self, raw: list[tuple[str, str]]) -> None:
        self._raw = raw

    def __getitem__(self, key: str) -> str:
        key = key.lower()
        for name, value in self._raw:
            if name == key:
                return value
        raise KeyError(key)

    def __setitem__(self, key: str, value: str) -> None:
        key = key.lower()
        found = [i for i, (name, _) in enumerate(self._raw) if name == key]
        for i in reversed(found[1:]):
            del self._raw[i]
        if found:
            self._raw[found[0]] = (key, header_value(value))
        else:
            self._raw.append((key, header_value(value)))

    def __delitem__(self, key: str) -> None:
        key = key.lower()
        kept = [(n, v) for n, v in self._raw if n != key]
        if len(kept) == len(self._raw):
            raise KeyError(key)
        self._raw[:] = kept

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for name, _ in self._raw))

    def __len__(self) -> int:
        return len(self._raw)

    def append(self, key: str, value: str) -> None:
        """Add a header, keeping any others of the same name."""
        self._raw.append((key.lower(), header_value(value)))

    def getlist(self, key: str) -> list[str]:
        """Every value of the header ``key``."""
        key = key.lower()
        return [v for n, v in self._raw if n == key]

    def __repr__(self) -> str:
        return f"MutableHeaders({self._raw!r})"
