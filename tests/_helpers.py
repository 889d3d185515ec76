"""Helpers shared by the test modules and the server scripts they start.

One bound for every wait, polling until something holds (blocking, or on the running
event loop), the held-back streams of the real-server scripts, logs recorded by each
side of a parity test, the security and templating modules of a vocabulary, and
hand-written multipart bodies, and the version gates of parity tests that compare with a
native FastAPI feature or behaviour newer than the FastAPI floor.
"""

import asyncio
import importlib
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

WAIT = 10  # seconds: an upper bound for anything a test waits for
#: How long a streaming generator waits for its release file before it gives up.
RELEASE_TIMEOUT = 10.0


class _Poll:
    """One bounded wait: ``again()`` looks at the condition and says whether to sleep and
    look again (it does not hold yet and there is time left); ``held`` is what it saw."""

    def __init__(self, condition: Callable[[], object], timeout: float) -> None:
        self.condition = condition
        self.deadline = time.monotonic() + timeout
        self.held = False

    def again(self) -> bool:
        self.held = bool(self.condition())
        return not self.held and time.monotonic() <= self.deadline


def wait_until(
    condition: Callable[[], object], timeout: float = WAIT, interval: float = 0.01
) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds have passed; whether it held."""
    poll = _Poll(condition, timeout)
    while poll.again():
        time.sleep(interval)
    return poll.held


async def wait_until_async(
    condition: Callable[[], object], timeout: float = WAIT, interval: float = 0.01
) -> bool:
    """``wait_until`` on the running event loop: it sleeps without blocking the loop."""
    poll = _Poll(condition, timeout)
    while poll.again():
        await asyncio.sleep(interval)
    return poll.held


def wait_for_file(path: str, timeout: float = RELEASE_TIMEOUT) -> bool:
    """Wait until the file ``path`` exists; whether it does."""
    return wait_until(lambda: os.path.exists(path), timeout)


def released_chunks(release: str) -> Iterator[bytes]:
    """``first``, then ``second`` once the file ``release`` exists (``never released`` when
    it does not within ``RELEASE_TIMEOUT``), then ``third``: a body the test holds back."""
    yield b"first\n"
    yield b"second\n" if wait_for_file(release) else b"never released\n"
    yield b"third\n"


async def released_chunks_async(release: str) -> AsyncIterator[bytes]:
    """``released_chunks`` for an async generator: it waits on the event loop."""
    yield b"first\n"
    released = await wait_until_async(lambda: os.path.exists(release), RELEASE_TIMEOUT)
    yield b"second\n" if released else b"never released\n"
    yield b"third\n"


def recorded(make):
    """``(build, logs)``: ``make(api, log)`` builds a router; each side records into its own log."""
    logs = {}

    def build(api):
        log = logs.setdefault("native" if api.native else "dualweb", [])
        log.clear()
        return make(api, log)

    return build, logs


def sec(api: Any) -> Any:
    """The security module matching ``api``."""
    return _module_of(api, "security")


def templating(api: Any) -> Any:
    """The templating module matching ``api``."""
    return _module_of(api, "templating")


def _module_of(api: Any, name: str) -> Any:
    return importlib.import_module(f"{'fastapi' if api.native else 'dualweb'}.{name}")


# --- version gates ------------------------------------------------------------------------


def installed_below(distribution: str, version: str) -> bool:
    """Whether the installed ``distribution`` is older than ``version``."""
    import importlib.metadata

    from packaging.version import Version

    return Version(importlib.metadata.version(distribution)) < Version(version)


def fastapi_has(version: str, what: str) -> Any:
    """Skip a test whose *native FastAPI* side needs FastAPI ``version`` or newer, which
    added or changed ``what``: below it (the floor, docs/versions.md) the comparison cannot
    be made. dualweb's own assertions belong in a test that is not gated. (pytest is
    imported here, not at the top: the real-server scripts import this module.)"""
    import pytest

    return pytest.mark.skipif(
        installed_below("fastapi", version), reason=f"native FastAPI {version}+ {what}"
    )


def starlette_has(version: str, what: str) -> Any:
    """``fastapi_has`` for a behaviour of Starlette (under native FastAPI, and under
    dualweb on the ASGI hosts) that Starlette ``version`` added or changed."""
    import pytest

    return pytest.mark.skipif(
        installed_below("starlette", version), reason=f"Starlette {version}+ {what}"
    )


def python_multipart_has(version: str, what: str) -> Any:
    """``fastapi_has`` for a behaviour of python-multipart (under Starlette's and native
    FastAPI's form parser) that python-multipart ``version`` added or changed."""
    import pytest

    return pytest.mark.skipif(
        installed_below("python-multipart", version),
        reason=f"python-multipart {version}+ {what}",
    )


# --- hand-written multipart bodies (for what an httpx client cannot send) -----------------


def multipart_body(boundary: str, *parts: bytes) -> bytes:
    """A multipart body of ``parts`` (each its headers, a blank line and its content)."""
    b = boundary.encode()
    return b"".join(b"--" + b + b"\r\n" + part + b"\r\n" for part in parts) + b"--" + b + b"--\r\n"


def field_part(name: str, value: str | bytes) -> bytes:
    """A multipart field."""
    content = value.encode() if isinstance(value, str) else value
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + content


def file_part(
    name: str, filename: str, content: bytes, content_type: str = "", extra: str = ""
) -> bytes:
    """A multipart file; ``extra`` is more header lines (each ending in CRLF)."""
    head = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    return (head + extra).encode() + b"\r\n" + content
