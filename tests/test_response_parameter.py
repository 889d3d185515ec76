"""A ``response: Response`` parameter in handlers and dependencies: its status, headers
and cookies merge into the response sent, on every host, as in native FastAPI."""

import sys
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
from pydantic import BaseModel

from dualweb import Response
from tests.conftest import native_client


class Item(BaseModel):
    name: str


WHEN = datetime(2031, 5, 17, 8, 30, 15, tzinfo=UTC)


# --- cookies -----------------------------------------------------------------------------


def build_cookies(api):
    router = api.Router()

    @router.get("/plain")
    def plain(response: api.Response):
        response.set_cookie("session", "abc123")
        return {"ok": True}

    @router.get("/attributes")
    def attributes(response: api.Response):
        response.set_cookie(
            "full",
            "value",
            max_age=3600,
            expires=WHEN,
            path="/app",
            domain="example.com",
            secure=True,
            httponly=True,
            samesite="strict",
        )
        return {"ok": True}

    @router.get("/expires-str")
    def expires_str(response: api.Response):
        response.set_cookie("s", "1", expires="Wed, 21 Oct 2037 07:28:00 GMT")
        return {}

    @router.get("/samesite/{value}")
    def samesite(value: str, response: api.Response):
        response.set_cookie("s", "1", samesite=None if value == "unset" else value)
        return {}

    @router.get("/no-path")
    def no_path(response: api.Response):
        response.set_cookie("s", "1", path=None, max_age=0)
        return {}

    @router.get("/quoted")
    def quoted(response: api.Response):
        response.set_cookie("q", 'has space; and "quotes", commas')
        response.set_cookie("empty")
        response.set_cookie("unicode", "caf\u00e9")
        return {}

    @router.get("/several")
    async def several(response: api.Response):
        response.set_cookie("a", "1")
        response.set_cookie("b", "2", httponly=True)
        response.set_cookie("a", "3", path="/other")
        return {}

    def dependency_cookie(response: api.Response):
        response.set_cookie("from_dependency", "d", max_age=60)
        return "dep"

    @router.get("/from-dependency")
    def from_dependency(response: api.Response, value: str = api.Depends(dependency_cookie)):
        response.set_cookie("from_handler", value)
        return {"value": value}

    return router


def test_cookies(parity):
    results = parity(
        build_cookies,
        [
            ("GET", "/plain"),
            ("GET", "/attributes"),
            ("GET", "/expires-str"),
            ("GET", "/samesite/lax"),
            ("GET", "/samesite/strict"),
            ("GET", "/samesite/none"),
            ("GET", "/samesite/Lax"),
            ("GET", "/samesite/unset"),
            ("GET", "/no-path"),
            ("GET", "/quoted"),
            ("GET", "/several"),
            ("GET", "/from-dependency"),
        ],
    )
    cookies = [r.headers.get_list("set-cookie") for r in results]
    assert cookies[0] == ["session=abc123; Path=/; SameSite=lax"]
    assert cookies[1] == [
        "full=value; Domain=example.com; expires=Sat, 17 May 2031 08:30:15 GMT; HttpOnly; "
        "Max-Age=3600; Path=/app; SameSite=strict; Secure"
    ]
    assert cookies[2] == ["s=1; expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/; SameSite=lax"]
    assert cookies[7] == ["s=1; Path=/"]
    assert cookies[8] == ["s=1; Max-Age=0; SameSite=lax"]
    assert cookies[9] == [
        'q="has space\\073 and \\"quotes\\"\\054 commas"; Path=/; SameSite=lax',
        'empty=""; Path=/; SameSite=lax',
        'unicode="caf\\351"; Path=/; SameSite=lax',
    ]
    assert cookies[10] == [
        "a=1; Path=/; SameSite=lax",
        "b=2; HttpOnly; Path=/; SameSite=lax",
        "a=3; Path=/other; SameSite=lax",
    ]
    assert cookies[11] == [
        "from_dependency=d; Max-Age=60; Path=/; SameSite=lax",
        "from_handler=dep; Path=/; SameSite=lax",
    ]
    assert results[11].json() == {"value": "dep"}


def _split_expires(header):
    """A Set-Cookie header without its expires date, and that date."""
    attributes = [part.strip() for part in header.split(";")]
    dates = [a.split("=", 1)[1] for a in attributes if a.lower().startswith("expires=")]
    rest = [a for a in attributes if not a.lower().startswith("expires=")]
    return rest, parsedate_to_datetime(dates[0]) if dates else None


def build_relative_expiry(api):
    router = api.Router()

    @router.get("/expires-int")
    def expires_int(response: api.Response):
        response.set_cookie("s", "1", expires=120)
        return {}

    @router.get("/delete")
    def delete(response: api.Response):
        response.delete_cookie("gone")
        response.delete_cookie(
            "gone_too", path="/p", domain="example.org", secure=True, httponly=True, samesite="none"
        )
        return {}

    return router


def test_cookie_expiry_relative_to_now(parity, fastapi_ns):
    # An int ``expires`` is seconds from now (``http.cookies`` renders the date), so
    # the two sides may straddle a second: compare the rest exactly, the dates closely.
    ours = parity.client(build_relative_expiry)
    theirs = native_client(build_relative_expiry, fastapi_ns)
    for path in ("/expires-int", "/delete"):
        before = datetime.now(UTC).replace(microsecond=0)
        got = ours.get(path).headers.get_list("set-cookie")
        want = theirs.get(path).headers.get_list("set-cookie")
        after = datetime.now(UTC)
        assert len(got) == len(want)
        for mine, native in zip(got, want):
            (rest, date), (native_rest, native_date) = _split_expires(mine), _split_expires(native)
            assert rest == native_rest
            assert abs((date - native_date).total_seconds()) <= 2
            offset = 120 if path == "/expires-int" else 0
            assert before + timedelta(seconds=offset) <= date <= after + timedelta(seconds=offset)
    gone = ours.get("/delete").headers.get_list("set-cookie")
    assert [_split_expires(h)[0] for h in gone] == [
        ['gone=""', "Max-Age=0", "Path=/", "SameSite=lax"],
        [
            'gone_too=""',
            "Domain=example.org",
            "HttpOnly",
            "Max-Age=0",
            "Path=/p",
            "SameSite=none",
            "Secure",
        ],
    ]


def test_cookie_round_trip(parity):
    # What the response sets, the client sends back, and the handler reads.
    def build(api):
        router = api.Router()

        @router.post("/login")
        def login(response: api.Response):
            response.set_cookie("session", "s3cr3t", httponly=True)
            return {}

        @router.get("/whoami")
        def whoami(request: api.Request):
            return {"session": request.cookies.get("session")}

        @router.post("/logout")
        def logout(response: api.Response):
            response.delete_cookie("session")
            return {}

        return router

    client = parity.client(build)
    assert client.post("/login").status_code == 200
    assert client.get("/whoami").json() == {"session": "s3cr3t"}
    client.post("/logout")
    assert client.get("/whoami").json() == {"session": None}


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="Python < 3.14 only")
def test_partitioned_cookie_needs_python_3_14():
    response = Response()
    with pytest.raises(ValueError, match=r"3\.14"):
        response.set_cookie("s", "1", partitioned=True)
    with pytest.raises(ValueError, match=r"3\.14"):
        response.delete_cookie("s", partitioned=True)


def test_expires_datetime_must_be_utc():
    # As in Starlette: a naive or non-UTC datetime cannot be written as a GMT date.
    for when in (datetime(2030, 1, 2), datetime(2030, 1, 2, tzinfo=timezone(timedelta(hours=2)))):
        with pytest.raises(ValueError, match="UTC"):
            Response().set_cookie("s", "1", expires=when)


def test_invalid_samesite_is_refused():
    with pytest.raises(ValueError, match="samesite"):
        Response().set_cookie("s", "1", samesite="sometimes")  # type: ignore[arg-type]


# --- headers and status ----------------------------------------------------------------------


def build_headers_status(api):
    router = api.Router()

    def tag(response: api.Response):
        response.headers["X-From-Dependency"] = "dep"
        response.headers["X-Overwritten"] = "by dependency"
        return "tagged"

    async def async_tag(response: api.Response):
        response.headers["X-Async-Dependency"] = "yes"
        response.status_code = 202

    @router.get("/headers")
    def headers(response: api.Response, value: str = api.Depends(tag)):
        response.headers["X-Custom"] = "1"
        response.headers["X-Overwritten"] = "by handler"
        response.headers.append("X-Multi", "a")
        response.headers.append("X-Multi", "b")
        return {"value": value, "seen": response.headers["x-from-dependency"]}

    @router.post("/created", status_code=201)
    def created(response: api.Response, make_it_200: bool = False):
        if make_it_200:
            response.status_code = 200
        return {"created": not make_it_200}

    @router.get("/status-from-dependency", dependencies=[api.Depends(async_tag)])
    async def status_from_dependency(response: api.Response):
        return {"status": response.status_code}

    @router.get("/no-content")
    def no_content(response: api.Response):
        response.status_code = 204
        response.headers["X-Kept"] = "yes"

    @router.get("/not-modified", response_model=None)
    def not_modified(response: api.Response):
        response.status_code = 304
        return {"ignored": True}

    @router.get("/with-model", response_model=Item)
    def with_model(response: api.Response):
        response.status_code = 203
        response.headers["Cache-Control"] = "no-store"
        return {"name": "cup", "secret": "dropped"}

    @router.get("/content-type")
    def content_type(response: api.Response):
        # FastAPI appends the parameter's headers to the response's own.
        response.headers["content-type"] = "text/plain"
        return "text?"

    @router.get("/deleted")
    def deleted(response: api.Response):
        response.headers["X-Temp"] = "1"
        response.headers["X-Keep"] = "1"
        del response.headers["x-temp"]
        return {"has_temp": "x-temp" in response.headers}

    @router.get("/returned-response")
    def returned_response(response: api.Response):
        # A returned Response is sent as is: the parameter's headers are not merged.
        response.headers["X-Param"] = "lost"
        response.status_code = 500
        return api.JSONResponse({"returned": True}, status_code=200, headers={"X-Own": "kept"})

    @router.get("/error")
    def error(response: api.Response):
        # An HTTPException answers with its own response; the parameter's are dropped.
        response.headers["X-Param"] = "dropped"
        response.set_cookie("dropped", "1")
        raise api.HTTPException(status_code=409, detail="conflict", headers={"X-Error": "e"})

    @router.get("/html", response_class=api.HTMLResponse)
    def html(response: api.Response):
        response.headers["X-Html"] = "1"
        response.status_code = 201
        return "<p>hi</p>"

    return router


def test_headers_and_status(parity):
    results = parity(
        build_headers_status,
        [
            ("GET", "/headers"),
            ("POST", "/created"),
            ("POST", "/created?make_it_200=true"),
            ("GET", "/status-from-dependency"),
            ("GET", "/no-content"),
            ("GET", "/not-modified"),
            ("GET", "/with-model"),
            ("GET", "/content-type"),
            ("GET", "/deleted"),
            ("GET", "/returned-response"),
            ("GET", "/error"),
            ("GET", "/html"),
        ],
    )
    headers = results[0].headers
    assert results[0].json() == {"value": "tagged", "seen": "dep"}
    assert headers["x-from-dependency"] == "dep"
    assert headers["x-custom"] == "1"
    assert headers.get_list("x-overwritten") == ["by handler"]
    assert headers.get_list("x-multi") == ["a", "b"]
    statuses = [200, 201, 200, 202, 204, 304, 203, 200, 200, 200, 409, 201]
    assert [r.status_code for r in results] == statuses
    assert results[1].json() == {"created": True}
    assert results[2].json() == {"created": False}
    assert results[3].json() == {"status": 202}
    assert results[3].headers["x-async-dependency"] == "yes"
    assert results[4].content == b"" and results[4].headers["x-kept"] == "yes"
    assert results[5].content == b""
    assert results[6].json() == {"name": "cup"}
    assert results[6].headers["cache-control"] == "no-store"
    assert results[7].headers.get_list("content-type") == ["application/json", "text/plain"]
    assert results[8].json() == {"has_temp": False}
    assert "x-temp" not in results[8].headers and results[8].headers["x-keep"] == "1"
    assert results[9].json() == {"returned": True}
    assert "x-param" not in results[9].headers and results[9].headers["x-own"] == "kept"
    assert results[10].json() == {"detail": "conflict"}
    assert "x-param" not in results[10].headers and "set-cookie" not in results[10].headers
    assert results[10].headers["x-error"] == "e"
    assert results[11].text == "<p>hi</p>" and results[11].headers["x-html"] == "1"


def test_each_request_gets_a_fresh_response_parameter(parity):
    def build(api):
        router = api.Router()

        @router.get("/count")
        def count(response: api.Response, n: int = 0):
            response.headers[f"X-N{n}"] = str(n)
            response.set_cookie(f"c{n}", str(n))
            return {"headers": sorted(k for k in response.headers if k.startswith("x-"))}

        return router

    results = parity(build, [("GET", "/count?n=1"), ("GET", "/count?n=2")])
    assert results[1].json() == {"headers": ["x-n2"]}
    assert results[1].headers.get_list("set-cookie") == ["c2=2; Path=/; SameSite=lax"]


def test_response_parameter_with_a_yield_dependency(parity):
    def build(api):
        router = api.Router()

        def session(response: api.Response):
            response.headers["X-Before"] = "1"
            yield "s"
            # After the handler: the response is already built, as in FastAPI.
            response.headers["X-After"] = "too late"

        @router.get("/s")
        def handler(value: str = api.Depends(session)):
            return {"value": value}

        return router

    results = parity(build, [("GET", "/s")])
    assert results[0].headers["x-before"] == "1"
    assert "x-after" not in results[0].headers
