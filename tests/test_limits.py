"""Every limit on bad input, at its boundary, with the same meaning on every host.

Each limit is tried just below, at, and just above its boundary, for a value
declared on a route or a router and for its default: the body size
(``max_body_size``), the form's limits (``max_part_size``, ``max_fields``,
``max_files``) and the JSON nesting depth (``max_json_depth``). Then
``hide_input_in_errors``, which leaves the ``input`` the client sent out of
validation errors (a 422's body, a socket's 1008 close reason).
"""

from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from dualweb import Body, Form, Query, Request, Router, UploadFile, WebSocket
from dualweb._core.nesting import DEFAULT_MAX_JSON_DEPTH
from dualweb.exceptions import DualwebError, RequestValidationError
from dualweb.requests import FormLimits
from dualweb.responses import JSONResponse
from dualweb.testing import TestClient
from tests._helpers import field_part, multipart_body

JSON = {"content-type": "application/json"}
KB = 1024
MB = 1024 * KB
CONTENT_TOO_LARGE = {"detail": "Content Too Large"}


def form_router(**limits: Any) -> Router:
    """A form route that reports what it read, within ``limits`` (on the operation)."""
    router = Router()

    @router.post("/form", **limits)
    def form(request: Request, a: Annotated[str, Form()] = ""):
        items = request.form_sync().multi_items()
        fields = [value for _, value in items if isinstance(value, str)]
        return {
            "fields": len(fields),
            "longest": max((len(value) for value in fields), default=0),
            "files": sum(isinstance(value, UploadFile) for _, value in items),
        }

    return router


def multipart(*parts: bytes) -> tuple[bytes, dict[str, str]]:
    boundary = "limits-test"
    body = multipart_body(boundary, *parts)
    return body, {"content-type": f"multipart/form-data; boundary={boundary}"}


# --- max_body_size: 413 "Content Too Large" beyond it ------------------------------------


def body_router(**limits: Any) -> Router:
    router = Router(**limits)

    @router.post("/raw")
    async def raw(request: Request):
        return {"size": len(await request.body())}

    @router.post("/json")
    def json_body(payload: Annotated[Any, Body()]):
        return {"length": len(payload)}

    return router


@pytest.mark.parametrize(("size", "status"), [(999, 200), (1000, 200), (1001, 413)])
def test_declared_max_body_size(host, size, status):
    client = TestClient(body_router(max_body_size=1000), host)
    response = client.post("/raw", content=b"x" * size)
    assert response.status_code == status
    assert response.json() == ({"size": size} if status == 200 else CONTENT_TOO_LARGE)
    # A JSON body of that size, and the same bytes sent in chunks (no Content-Length).
    payload = b'"' + b"x" * (size - 2) + b'"'
    response = client.post("/json", content=payload, headers=JSON)
    assert response.status_code == status
    response = client.post("/raw", content=iter([b"x" * (size - 1), b"x"]))
    assert response.status_code == status
    assert response.json() == ({"size": size} if status == 200 else CONTENT_TOO_LARGE)


def test_max_body_size_innermost_first(host):
    inner = body_router(max_body_size=10)
    outer = Router(max_body_size=1000)
    outer.include_router(inner, prefix="/inner")
    outer.include_router(body_router(), prefix="/plain")
    outer.include_router(body_router(), prefix="/included", max_body_size=5)
    client = TestClient(outer, host)
    assert client.post("/inner/raw", content=b"x" * 11).status_code == 413
    assert client.post("/plain/raw", content=b"x" * 11).status_code == 200
    assert client.post("/plain/raw", content=b"x" * 1001).status_code == 413
    assert client.post("/included/raw", content=b"x" * 6).status_code == 413


def test_no_body_size_limit_by_default(host):
    client = TestClient(body_router(), host)
    body = b"x" * (2 * MB + 1)
    assert client.post("/raw", content=body).json() == {"size": 2 * MB + 1}


# --- form limits: 413 with Starlette's words beyond them ----------------------------------


@pytest.mark.parametrize(("size", "status"), [(1023, 200), (1024, 200), (1025, 413)])
def test_declared_max_part_size(host, size, status):
    client = TestClient(form_router(form_limits={"max_part_size": KB}), host)
    too_large = {"detail": "Part exceeded maximum size of 1KB."}
    # Urlencoded, a field counts its name and its value.
    response = client.post("/form", data={"a": "x" * (size - 1)})
    assert response.status_code == status
    assert response.json() == (
        {"fields": 1, "longest": size - 1, "files": 0} if status == 200 else too_large
    )
    # In a multipart body, its value alone.
    body, headers = multipart(field_part("a", b"x" * size))
    response = client.post("/form", content=body, headers=headers)
    assert response.status_code == status
    assert response.json() == (
        {"fields": 1, "longest": size, "files": 0} if status == 200 else too_large
    )


@pytest.mark.parametrize(("size", "status"), [(MB - 1, 200), (MB, 200), (MB + 1, 413)])
def test_default_max_part_size(host, size, status):
    client = TestClient(form_router(), host)
    body, headers = multipart(field_part("a", b"x" * size))
    response = client.post("/form", content=body, headers=headers)
    assert response.status_code == status
    if status == 413:
        assert response.json() == {"detail": "Part exceeded maximum size of 1024KB."}
    else:
        assert response.json()["longest"] == size


@pytest.mark.parametrize(("count", "status"), [(2, 200), (3, 200), (4, 413)])
def test_declared_max_fields(host, count, status):
    client = TestClient(form_router(form_limits=FormLimits(max_fields=3)), host)
    values = [str(n) for n in range(count)]
    for response in (
        client.post("/form", data={"a": values}),
        client.post("/form", files=[("a", (None, value)) for value in values]),
    ):
        assert response.status_code == status
        if status == 413:
            assert response.json() == {"detail": "Too many fields. Maximum number of fields is 3."}
        else:
            assert response.json()["fields"] == count


@pytest.mark.parametrize(("count", "status"), [(999, 200), (1000, 200), (1001, 413)])
def test_default_max_fields(host, count, status):
    client = TestClient(form_router(), host)
    response = client.post("/form", data={"a": ["1"] * count})
    assert response.status_code == status
    if status == 413:
        assert response.json() == {"detail": "Too many fields. Maximum number of fields is 1000."}
    else:
        assert response.json()["fields"] == count


@pytest.mark.parametrize(("count", "status"), [(1, 200), (2, 200), (3, 413)])
def test_declared_max_files(host, count, status):
    router = Router(form_limits={"max_files": 2})  # on the router, for its operations
    router.include_router(form_router())
    client = TestClient(router, host)
    response = client.post("/form", files=[("f", (f"{n}.txt", b"x")) for n in range(count)])
    assert response.status_code == status
    if status == 413:
        assert response.json() == {"detail": "Too many files. Maximum number of files is 2."}
    else:
        assert response.json()["files"] == count


@pytest.mark.parametrize(("count", "status"), [(999, 200), (1000, 200), (1001, 413)])
def test_default_max_files(host, count, status):
    client = TestClient(form_router(), host)
    response = client.post("/form", files=[("f", (f"{n}", b"")) for n in range(count)])
    assert response.status_code == status
    if status == 413:
        assert response.json() == {"detail": "Too many files. Maximum number of files is 1000."}
    else:
        assert response.json()["files"] == count


# --- max_json_depth: 422 json_invalid beyond it ------------------------------------------


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def too_deep(position: int, limit: int) -> dict[str, Any]:
    return {
        "detail": [
            {
                "type": "json_invalid",
                "loc": ["body", position],
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": f"Nesting deeper than {limit} levels of arrays and objects"},
            }
        ]
    }


class Wrapper(BaseModel):
    value: Any


def depth_router(**limits: Any) -> Router:
    router = Router(**limits)

    @router.post("/echo")
    def echo(payload: Annotated[Any, Body()]):
        return payload

    @router.post("/model")
    def model(wrapper: Wrapper):
        return wrapper

    @router.post("/tight", max_json_depth=2)
    def tight(payload: Annotated[Any, Body()]):
        return payload

    return router


#: The default: the levels pydantic's own JSON parser takes (201 with pydantic-core 2).
DEPTH = DEFAULT_MAX_JSON_DEPTH


@pytest.mark.parametrize(("depth", "status"), [(DEPTH - 1, 200), (DEPTH, 200), (DEPTH + 1, 422)])
def test_default_max_json_depth(host, depth, status):
    client = TestClient(depth_router(), host)
    response = client.post("/echo", content=nested(depth), headers=JSON)
    assert response.status_code == status
    if status == 200:  # parsed, validated and sent back whole
        assert response.content == nested(depth)
    else:
        assert response.json() == too_deep(DEPTH, DEPTH)
    # In a model's field: the object around it is one level more.
    body = b'{"value": ' + nested(depth - 1) + b"}"
    response = client.post("/model", content=body, headers=JSON)
    assert response.status_code == status
    if status == 422:
        assert response.json() == too_deep(10 + DEPTH - 1, DEPTH)


@pytest.mark.parametrize(("depth", "status"), [(1, 200), (2, 200), (3, 422)])
def test_declared_max_json_depth(host, depth, status):
    client = TestClient(depth_router(), host)
    response = client.post("/tight", content=nested(depth), headers=JSON)
    assert response.status_code == status
    if status == 422:
        assert response.json() == too_deep(2, 2)


def test_the_default_is_what_pydantics_parser_takes():
    from pydantic_core import from_json

    from_json(nested(DEPTH))
    with pytest.raises(ValueError, match="recursion limit"):
        from_json(nested(DEPTH + 1))


@pytest.mark.parametrize("depth", [300, 600, 990, 100_000])
def test_any_depth_beyond_is_a_422_never_a_500(host, depth):
    # Before the limit, 500 to ~990 levels failed with a RecursionError (a 500), and
    # deeper ones with a 400 (the parser's own RecursionError), as on FastAPI.
    client = TestClient(depth_router(), host, raise_server_exceptions=False)
    for path in ("/echo", "/model"):
        response = client.post(path, content=nested(depth), headers=JSON)
        assert response.status_code == 422
        assert response.json() == too_deep(DEPTH, DEPTH)


def test_max_json_depth_innermost_first(host):
    outer = Router(max_json_depth=3)
    outer.include_router(depth_router(), prefix="/plain")
    outer.include_router(depth_router(max_json_depth=5), prefix="/own")
    outer.include_router(depth_router(), prefix="/included", max_json_depth=4)
    client = TestClient(outer, host)
    for prefix, limit in (("/plain", 3), ("/own", 5), ("/included", 4)):
        assert client.post(f"{prefix}/echo", content=nested(limit), headers=JSON).status_code == 200
        response = client.post(f"{prefix}/echo", content=nested(limit + 1), headers=JSON)
        assert response.json() == too_deep(limit, limit)
        # The operation's own setting wins over every router's.
        response = client.post(f"{prefix}/tight", content=nested(3), headers=JSON)
        assert response.json() == too_deep(2, 2)


def test_brackets_in_strings_do_not_count(host):
    client = TestClient(depth_router(), host)
    body = b'["' + b"[" * 500 + b'", "\\"[[[[", "\\\\", ' + nested(1) + b"]"
    response = client.post("/tight", content=body, headers=JSON)
    assert response.status_code == 200
    assert response.json() == ["[" * 500, '"[[[[', "\\", []]
    # The offset is in characters, as a JSON decode error's.
    body = '{"é": "[[[", "k": [[[]]]}'.encode()
    assert client.post("/tight", content=body, headers=JSON).json() == too_deep(19, 2)


def test_a_body_that_is_not_json_is_not_measured(host):
    client = TestClient(depth_router(), host)
    response = client.post("/tight", content=nested(10), headers={"content-type": "text/plain"})
    assert response.status_code == 200
    assert response.json() == nested(10).decode()


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "100"])
def test_max_json_depth_must_be_a_positive_integer(value):
    with pytest.raises(DualwebError, match="max_json_depth"):
        Router(max_json_depth=value).post("/x")(lambda: None)


# --- hide_input_in_errors ----------------------------------------------------------------


class Login(BaseModel):
    user: str
    password: int


def login_router(**settings: Any) -> Router:
    router = Router(**settings)

    @router.post("/login")
    def login(login: Login, token: Annotated[int, Query()] = 0):
        return {}

    @router.websocket("/socket")
    async def socket(websocket: WebSocket, token: int):
        await websocket.accept()

    return router


SENT = {"user": "ada", "password": "hunter2"}


def test_validation_errors_show_the_input_by_default(host):
    client = TestClient(login_router(), host)
    errors = client.post("/login?token=secret", json=SENT).json()["detail"]
    assert [error["input"] for error in errors] == ["secret", "hunter2"]


def test_hide_input_in_errors(host):
    client = TestClient(login_router(hide_input_in_errors=True), host)
    response = client.post("/login?token=secret", json=SENT)
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "int_parsing",
                "loc": ["query", "token"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
            },
            {
                "type": "int_parsing",
                "loc": ["body", "password"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
            },
        ]
    }
    # ctx stays; a JSON decode error's input ({}) goes too.
    response = client.post("/login", json={"user": "ada"} | {"password": 1, "extra": 1})
    assert response.status_code == 200
    response = client.post("/login", content=b'{"user": ', headers=JSON)
    assert response.json()["detail"] == [
        {
            "type": "json_invalid",
            "loc": ["body", 9],
            "msg": "JSON decode error",
            "ctx": {"error": "Expecting value"},
        }
    ]


def close_of(client: TestClient, url: str) -> tuple[int, Any]:
    """The code and reason a socket at ``url`` was closed with before it was accepted."""
    try:
        with client.websocket_connect(url):
            pass
    except Exception as exc:  # each test client's WebSocketDisconnect
        return exc.code, exc.reason  # type: ignore[attr-defined]
    raise AssertionError("the socket was accepted")


def test_hide_input_in_errors_on_a_socket(host):
    client = TestClient(login_router(hide_input_in_errors=True), host)
    assert close_of(client, "/socket?token=secret") == (
        1008,
        [
            {
                "type": "int_parsing",
                "loc": ["query", "token"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
            }
        ],
    )
    code, reason = close_of(TestClient(login_router(), host), "/socket?token=secret")
    assert (code, reason[0]["input"]) == (1008, "secret")


def test_hide_input_in_errors_is_inherited_innermost_first(host):
    outer = Router(hide_input_in_errors=True)
    outer.include_router(login_router(), prefix="/inherited")
    outer.include_router(login_router(hide_input_in_errors=False), prefix="/shown")
    plain = Router()
    plain.include_router(login_router(hide_input_in_errors=True), prefix="/hidden")
    outer.include_router(plain)
    client = TestClient(outer, host)
    for prefix, hidden in (("/inherited", True), ("/shown", False), ("/hidden", True)):
        errors = client.post(f"{prefix}/login", json=SENT).json()["detail"]
        assert ("input" not in errors[0]) is hidden, prefix


def test_exception_handlers_see_the_errors_without_input(host):
    router = login_router(hide_input_in_errors=True)
    seen: list[Any] = []

    @router.exception_handler(RequestValidationError)
    def handler(request: Request, exc: RequestValidationError):
        seen.extend(exc.errors())
        return JSONResponse({"errors": len(exc.errors())}, status_code=400)

    client = TestClient(router, host)
    assert client.post("/login", json=SENT).json() == {"errors": 1}
    assert "input" not in seen[0]
