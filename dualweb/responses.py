"""Portable response types: a status, headers and a body, rendered by the core.

A host only copies ``status_code``, ``raw_headers`` and ``body`` onto its own
response object, so the bytes sent are the same on every host.
"""

from __future__ import annotations

import http.cookies
import json
from collections.abc import Iterator, Mapping, MutableMapping
from datetime import datetime
from email.utils import format_datetime
from typing import Any, Literal
from urllib.parse import quote

from .background import BackgroundTasks

__all__ = [
    "HTMLResponse",
    "JSONResponse",
    "MutableHeaders",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
]


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
            self._raw[found[0]] = (key, value)
        else:
            self._raw.append((key, value))

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
        self._raw.append((key.lower(), value))

    def getlist(self, key: str) -> list[str]:
        """Every value of the header ``key``."""
        key = key.lower()
        return [v for n, v in self._raw if n == key]

    def __repr__(self) -> str:
        return f"MutableHeaders({self._raw!r})"


class Response:
    """A response with a body already in bytes."""

    media_type: str | None = None
    charset = "utf-8"
    default_status_code = 200
    #: Set by the core when a server error handler answered for an exception
    #: that the host must still report (after sending this response).
    unhandled: BaseException | None = None

    def __init__(
        self,
        content: Any = None,
        status_code: int | None = None,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTasks | None = None,
    ) -> None:
        self.status_code = self.default_status_code if status_code is None else status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = self.render(content)
        self._init_headers(headers)

    def render(self, content: Any) -> bytes:
        """Turn ``content`` into the body's bytes."""
        if content is None:
            return b""
        if isinstance(content, (bytes, bytearray, memoryview)):
            return bytes(content)
        if isinstance(content, str):
            return content.encode(self.charset)
        raise TypeError(f"{type(self).__name__} cannot send {type(content).__name__} content")

    def _init_headers(self, headers: Mapping[str, str] | None) -> None:
        raw = [(k.lower(), v) for k, v in (headers or {}).items()]
        names = {name for name, _ in raw}
        status = self.status_code
        if "content-length" not in names and not (status < 200 or status in (204, 304)):
            raw.append(("content-length", str(len(self.body))))
        content_type = self.media_type
        if content_type is not None and "content-type" not in names:
            if content_type.startswith("text/") and "charset=" not in content_type.lower():
                content_type += "; charset=" + self.charset
            raw.append(("content-type", content_type))
        self.raw_headers: list[tuple[str, str]] = raw

    @property
    def headers(self) -> MutableHeaders:
        """The headers, to read or change."""
        return MutableHeaders(self.raw_headers)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        """Add a ``Set-Cookie`` header with the given attributes."""
        cookie: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = str(max_age)
        if expires is not None:
            morsel["expires"] = (
                format_datetime(expires, usegmt=True)
                if isinstance(expires, datetime)
                else str(expires)
            )
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            if samesite.lower() not in ("strict", "lax", "none"):
                raise ValueError("samesite must be either 'strict', 'lax' or 'none'")
            morsel["samesite"] = samesite
        self.raw_headers.append(("set-cookie", cookie.output(header="").strip()))

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        """Tell the client to drop the cookie ``key``."""
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )


class HTMLResponse(Response):
    """An HTML page."""

    media_type = "text/html"


class PlainTextResponse(Response):
    """Plain text."""

    media_type = "text/plain"


class JSONResponse(Response):
    """Any JSON-encodable content, sent compactly as UTF-8."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(
            content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
        ).encode("utf-8")


class RedirectResponse(Response):
    """A redirect to ``url`` (307 unless told otherwise)."""

    default_status_code = 307

    def __init__(
        self,
        url: str,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTasks | None = None,
    ) -> None:
        super().__init__(
            content=b"", status_code=status_code, headers=headers, background=background
        )
        self.headers["location"] = quote(str(url), safe=":/%#?=@[]!$&'()*+,;")
