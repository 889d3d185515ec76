"""The core imports no web framework; the public names are pinned."""

import subprocess
import sys
import textwrap
from pathlib import Path

import dualweb

CORE_MODULES = [
    "dualweb",
    "dualweb.background",
    "dualweb.datastructures",
    "dualweb.encoders",
    "dualweb.exception_handlers",
    "dualweb.exceptions",
    "dualweb.params",
    "dualweb.requests",
    "dualweb.responses",
    "dualweb.routing",
    "dualweb.security",
    "dualweb.sse",
    "dualweb.status",
    "dualweb.templating",
    "dualweb.websockets",
    "dualweb.openapi",
    "dualweb.openapi._bodies",
    "dualweb.openapi._document",
    "dualweb.openapi._existing",
    "dualweb.openapi._export",
    "dualweb.openapi._fields",
    "dualweb.openapi._forms",
    "dualweb.openapi._merge",
    "dualweb.openapi._openapi30",
    "dualweb.openapi._operations",
    "dualweb.openapi._parameters",
    "dualweb.openapi._responses",
    "dualweb.openapi._routes",
    "dualweb.openapi._schemas",
    "dualweb.openapi.models",
    "dualweb.openapi.pages",
    "dualweb.openapi.site",
    *sorted(
        f"dualweb._core.{path.stem}"
        for path in (Path(dualweb.__file__).parent / "_core").glob("*.py")
        if path.stem != "__init__"
    ),
]

FRAMEWORKS = ("flask", "werkzeug", "starlette", "fastapi", "a2wsgi", "anyio", "httpx", "httpx2")


def _run_blocked(code: str, blocked: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    prelude = textwrap.dedent(
        f"""
        import sys
        BLOCKED = {blocked!r}

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"blocked import of {{name}}")
                return None

        sys.meta_path.insert(0, Blocker())
        """
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=60
    )


def test_core_imports_no_web_framework():
    code = "\n".join(f"import {name}" for name in CORE_MODULES) + textwrap.dedent(
        f"""
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in {FRAMEWORKS!r})
        assert not loaded, loaded
        """
    )
    result = _run_blocked(code, FRAMEWORKS)
    assert result.returncode == 0, result.stderr


def test_a_router_declares_without_any_framework():
    code = textwrap.dedent(
        """
        from dualweb import Router, Query
        router = Router(prefix="/api")

        @router.get("/items/{item_id}")
        def read(item_id: int, q: str = Query("x")):
            return {"item_id": item_id}

        assert [r.path for r in router.routes] == ["/api/items/{item_id}"]
        """
    )
    result = _run_blocked(code, FRAMEWORKS)
    assert result.returncode == 0, result.stderr


def test_templates_need_jinja2_only_when_made():
    code = "\n".join(f"import {name}" for name in CORE_MODULES) + textwrap.dedent(
        """
        from dualweb.templating import Jinja2Templates
        try:
            Jinja2Templates("templates")
        except ImportError as exc:
            assert "pip install jinja2" in str(exc), exc
        else:
            raise AssertionError("no ImportError without jinja2")
        """
    )
    result = _run_blocked(code, (*FRAMEWORKS, "jinja2"))
    assert result.returncode == 0, result.stderr


def test_flask_host_needs_no_asgi_stack():
    code = "import dualweb.flask\n"
    result = _run_blocked(code, ("starlette", "fastapi", "anyio", "a2wsgi"))
    assert result.returncode == 0, result.stderr


def test_starlette_host_needs_no_flask_nor_fastapi():
    code = "import dualweb.starlette\n"
    result = _run_blocked(code, ("flask", "werkzeug", "fastapi"))
    assert result.returncode == 0, result.stderr


def test_public_names_are_pinned():
    assert sorted(dualweb.__all__) == sorted(
        [
            "BackgroundTasks",
            "Body",
            "Cookie",
            "Depends",
            "File",
            "Form",
            "HTTPException",
            "Header",
            "Path",
            "Query",
            "Request",
            "Response",
            "Router",
            "Security",
            "UploadFile",
            "WebSocket",
            "WebSocketDisconnect",
            "WebSocketException",
            "SyncWebSocket",
            "status",
        ]
    )
    for name in dualweb.__all__:
        assert getattr(dualweb, name) is not None


def test_submodule_names_are_pinned():
    import dualweb.exceptions
    import dualweb.responses
    import dualweb.sse
    import dualweb.templating
    import dualweb.websockets

    assert set(dualweb.responses.__all__) >= {
        "Response",
        "JSONResponse",
        "HTMLResponse",
        "PlainTextResponse",
        "RedirectResponse",
        "ORJSONResponse",
        "UJSONResponse",
    }
    assert set(dualweb.exceptions.__all__) >= {
        "DualwebDeprecationWarning",
        "HTTPException",
        "RequestValidationError",
        "ResponseValidationError",
        "WebSocketException",
        "WebSocketRequestValidationError",
    }
    assert dualweb.templating.__all__ == ["Jinja2Templates"]
    assert sorted(dualweb.sse.__all__) == [
        "EventSourceResponse",
        "ServerSentEvent",
        "format_sse_event",
    ]
    assert issubclass(dualweb.sse.EventSourceResponse, dualweb.responses.StreamingResponse)
    assert dualweb.HTTPException is dualweb.exceptions.HTTPException
    assert dualweb.Response is dualweb.responses.Response
    assert sorted(dualweb.websockets.__all__) == [
        "SyncWebSocket",
        "WebSocket",
        "WebSocketDisconnect",
        "WebSocketDisconnected",
        "WebSocketState",
    ]
    assert dualweb.WebSocket is dualweb.websockets.WebSocket
    assert dualweb.WebSocketException is dualweb.exceptions.WebSocketException
